"""Places of detention for the synthetic benchmark data set (bench.seed).

A few hundred facilities built from templates over Azerbaijan's localities:
police stations and temporary detention facilities of every Baku district and
town, pre-trial detention centres, prisons, penitentiary institutions
(correctional colonies by regime), colony-settlements, psychiatric hospitals and
a few others. Each has its English name (the display name), an Azerbaijani and a
Russian (Cyrillic) name, a kind code (places.choices.FACILITY_KINDS), the
organization that runs it, an economic region, a locality, coordinates near the
locality (inside Azerbaijan's bounding box) and a synthetic postal address.
Generated from the seed's random generator, so the same every time."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# Azerbaijan's bounding box (latitude, longitude): every coordinate falls inside
BOUNDS = ((38.39, 41.91), (44.77, 50.39))

# (English, Azerbaijani, Russian, Russian genitive adjective, region, latitude, longitude)
BAKU_DISTRICTS = [
    ("Nasimi", "Nəsimi", "Насиминский", "Насиминского", 40.39, 49.84),
    ("Yasamal", "Yasamal", "Ясамальский", "Ясамальского", 40.38, 49.81),
    ("Sabail", "Səbail", "Сабаильский", "Сабаильского", 40.36, 49.83),
    ("Narimanov", "Nərimanov", "Наримановский", "Наримановского", 40.40, 49.87),
    ("Binagadi", "Binəqədi", "Бинагадинский", "Бинагадинского", 40.46, 49.83),
    ("Khatai", "Xətai", "Хатаинский", "Хатаинского", 40.38, 49.90),
    ("Khazar", "Xəzər", "Хазарский", "Хазарского", 40.40, 50.10),
    ("Sabunchu", "Sabunçu", "Сабунчинский", "Сабунчинского", 40.44, 49.95),
    ("Surakhani", "Suraxanı", "Сураханский", "Сураханского", 40.42, 50.05),
    ("Garadagh", "Qaradağ", "Гарадагский", "Гарадагского", 40.25, 49.55),
    ("Nizami", "Nizami", "Низаминский", "Низаминского", 40.40, 49.94),
    ("Pirallahi", "Pirallahı", "Пираллахинский", "Пираллахинского", 40.47, 50.33),
]
# (English, Azerbaijani, Russian, Russian genitive adjective, region, latitude, longitude)
TOWNS = [
    ("Ganja", "Gəncə", "Гянджа", "Гянджинского", "Ganja-Dashkasan", 40.68, 46.36),
    ("Sumgayit", "Sumqayıt", "Сумгайыт", "Сумгайытского", "Absheron-Khizi", 40.59, 49.67),
    ("Khirdalan", "Xırdalan", "Хырдалан", "Хырдаланского", "Absheron-Khizi", 40.45, 49.76),
    ("Lankaran", "Lənkəran", "Ленкорань", "Ленкоранского", "Lankaran-Astara", 38.75, 48.85),
    ("Masalli", "Masallı", "Масаллы", "Масаллинского", "Lankaran-Astara", 39.03, 48.67),
    ("Jalilabad", "Cəlilabad", "Джалилабад", "Джалилабадского", "Lankaran-Astara", 39.21, 48.50),
    ("Nakhchivan", "Naxçıvan", "Нахчыван", "Нахчыванского", "Nakhchivan", 39.21, 45.41),
    ("Shaki", "Şəki", "Шеки", "Шекинского", "Shaki-Zagatala", 41.19, 47.17),
    ("Zagatala", "Zaqatala", "Закаталы", "Закатальского", "Shaki-Zagatala", 41.63, 46.64),
    ("Gabala", "Qəbələ", "Габала", "Габалинского", "Shaki-Zagatala", 40.98, 47.85),
    ("Mingachevir", "Mingəçevir", "Мингечевир", "Мингечевирского", "Central Aran", 40.76, 47.05),
    ("Yevlakh", "Yevlax", "Евлах", "Евлахского", "Central Aran", 40.62, 47.15),
    ("Goychay", "Göyçay", "Гёйчай", "Гёйчайского", "Central Aran", 40.65, 47.74),
    ("Barda", "Bərdə", "Барда", "Бардинского", "Karabakh", 40.37, 47.13),
    ("Aghjabadi", "Ağcabədi", "Агджабеди", "Агджабединского", "Karabakh", 40.05, 47.46),
    ("Guba", "Quba", "Губа", "Губинского", "Guba-Khachmaz", 41.36, 48.51),
    ("Khachmaz", "Xaçmaz", "Хачмаз", "Хачмазского", "Guba-Khachmaz", 41.46, 48.80),
    ("Shirvan", "Şirvan", "Ширван", "Ширванского", "Shirvan-Salyan", 39.93, 48.92),
    ("Salyan", "Salyan", "Сальяны", "Сальянского", "Shirvan-Salyan", 39.60, 48.98),
    ("Shamakhi", "Şamaxı", "Шемаха", "Шемахинского", "Mountainous Shirvan", 40.63, 48.64),
    ("Ismayilli", "İsmayıllı", "Исмаиллы", "Исмаиллинского", "Mountainous Shirvan", 40.79, 48.15),
    ("Gazakh", "Qazax", "Газах", "Газахского", "Gazakh-Tovuz", 41.09, 45.37),
    ("Tovuz", "Tovuz", "Товуз", "Товузского", "Gazakh-Tovuz", 40.99, 45.63),
    ("Shamkir", "Şəmkir", "Шамкир", "Шамкирского", "Ganja-Dashkasan", 40.83, 46.02),
    ("Imishli", "İmişli", "Имишли", "Имишлинского", "Mil-Mughan", 39.87, 48.06),
    ("Beylagan", "Beyləqan", "Бейлаган", "Бейлаганского", "Mil-Mughan", 39.77, 47.62),
]
BAKU = ("Baku", "Bakı", "Баку", "Бакинского", "Baku", 40.41, 49.87)
# localities around Baku where the large penitentiary institutions stand
BAKU_SETTLEMENTS = [
    ("Kurdakhani", "Kürdəxanı", "Кюрдаханы", 40.54, 49.92),
    ("Umbaki", "Umbaki", "Умбаки", 40.20, 49.45),
    ("Sangachal", "Səngəçal", "Сангачал", 40.18, 49.47),
    ("Zabrat", "Zabrat", "Забрат", 40.48, 49.94),
    ("Shuvalan", "Şüvəlan", "Шувелян", 40.48, 50.18),
    ("Gobustan", "Qobustan", "Гобустан", 40.08, 49.42),
    ("Bina", "Binə", "Бина", 40.45, 50.05),
    ("Lokbatan", "Lökbatan", "Локбатан", 40.32, 49.73),
]
STREETS = [
    ("Nizami", "Nizami"), ("Fuzuli", "Füzuli"), ("Samad Vurgun", "Səməd Vurğun"),
    ("Azadlig", "Azadlıq"), ("Heydar Aliyev", "Heydər Əliyev"), ("Istiglaliyyat", "İstiqlaliyyət"),
    ("Neftchilar", "Neftçilər"), ("Khagani", "Xaqani"), ("Zarifa Aliyeva", "Zərifə Əliyeva"),
    ("Ataturk", "Atatürk"), ("Tbilisi", "Tbilisi"), ("Babek", "Babək"),
]  # fmt: skip
LETTER_LANGUAGES = ["Azerbaijani", "Azerbaijani or Russian", "Azerbaijani, Russian or English"]
LETTER_RULES = [
    "Letters are read by the administration; letters in other languages may be returned.",
    "No more than four pages; no photographs of military or prison sites.",
    "Letters must carry the sender's full name and address; anonymous letters are refused.",
    "",
]
PARCEL_RULES = [
    "One parcel of up to 20 kg a month; food in transparent packaging only.",
    "Parcels are accepted on visiting days only, at the reception window.",
    "No parcels during the investigation without the investigator's permission.",
    "",
]


@dataclass
class FacilitySpec:
    name: str
    kind: str  # a code of places.choices.FACILITY_KINDS
    operator: str  # a key of OPERATORS
    region: str
    locality: str
    latitude: float
    longitude: float
    postal_address: str
    weight: float  # how many persons it holds, relatively
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, language)


# The organizations that run facilities (added to the seed's organizations).
OPERATORS = {
    "police": "Ministry of Internal Affairs",
    "security": "State Security Service",
    "penitentiary": "Penitentiary Service of the Ministry of Justice",
    "health": "Ministry of Health",
    "migration": "State Migration Service",
    "defence": "Ministry of Defence",
}
NEW_OPERATORS = [
    # name, abbreviation, kind, country: those not in the seed's organizations already
    ("Penitentiary Service of the Ministry of Justice", "", "government", "Azerbaijan"),
    ("Ministry of Health", "", "government", "Azerbaijan"),
    ("State Migration Service", "", "government", "Azerbaijan"),
    ("Ministry of Defence", "", "government", "Azerbaijan"),
]


def _near(rng: random.Random, latitude: float, longitude: float, spread: float = 0.03):
    (lat_min, lat_max), (lon_min, lon_max) = BOUNDS
    lat = min(lat_max, max(lat_min, latitude + rng.uniform(-spread, spread)))
    lon = min(lon_max, max(lon_min, longitude + rng.uniform(-spread, spread)))
    return round(lat, 5), round(lon, 5)


def _address(rng: random.Random, postcode: int, place: str) -> str:
    street = rng.choice(STREETS)[1]
    return f"AZ{postcode:04d}, {place}, {street} küçəsi {rng.randrange(1, 180)}"


def facility_specs(rng: random.Random) -> list[FacilitySpec]:
    """Every facility of the data set, in a fixed order (their ids follow it)."""
    specs: list[FacilitySpec] = []

    def add(name, az, ru, kind, operator, region, locality, lat, lon, postcode, weight, az_place):
        latitude, longitude = _near(rng, lat, lon)
        specs.append(
            FacilitySpec(
                name=name,
                kind=kind,
                operator=operator,
                region=region,
                locality=locality,
                latitude=latitude,
                longitude=longitude,
                postal_address=_address(rng, postcode, az_place),
                weight=weight,
                names=[(az, "az"), (ru, "ru")],
            )
        )

    # Baku: a temporary detention facility and several police stations in each district
    station = 0
    for index, (en, az, _ru, ru_gen, lat, lon) in enumerate(BAKU_DISTRICTS):
        postcode = 1000 + index * 20
        add(f"{en} District Police Department Temporary Detention Facility",
            f"{az} Rayon Polis İdarəsinin Müvəqqəti Saxlama Yeri",
            f"ИВС {ru_gen} районного управления полиции",
            "police-station", "police", "Baku", f"Baku, {en} district", lat, lon, postcode, 3.0,
            f"Bakı, {az} rayonu")  # fmt: skip
        for _ in range(rng.randrange(5, 10)):
            station += 1
            add(f"Police Station No. {station}, {en} District, Baku",
                f"{az} Rayon Polis İdarəsinin {station} saylı Polis Bölməsi",
                f"Отделение полиции № {station} {ru_gen} районного управления полиции г. Баку",
                "police-station", "police", "Baku", f"Baku, {en} district", lat, lon,
                postcode + rng.randrange(1, 20), 1.0, f"Bakı, {az} rayonu")  # fmt: skip
    add("Baku City Main Police Department Temporary Detention Facility",
        "Bakı Şəhər Baş Polis İdarəsinin Müvəqqəti Saxlama Yeri",
        "ИВС Главного управления полиции г. Баку", "police-station", "police", "Baku", "Baku",
        40.41, 49.87, 1005, 8.0, "Bakı")  # fmt: skip
    add("Main Department for Combating Organised Crime Temporary Detention Facility",
        "Mütəşəkkil Cinayətkarlığa Qarşı Mübarizə Baş İdarəsinin Müvəqqəti Saxlama Yeri",
        "ИВС Главного управления по борьбе с организованной преступностью",
        "police-station", "police", "Baku", "Baku", 40.40, 49.86, 1010, 6.0, "Bakı")  # fmt: skip

    # towns: a temporary detention facility and two to four police stations each
    for index, (en, az, _ru, ru_gen, region, lat, lon) in enumerate(TOWNS):
        postcode = 2000 + index * 100
        add(f"{en} City Police Department Temporary Detention Facility",
            f"{az} Şəhər Polis İdarəsinin Müvəqqəti Saxlama Yeri",
            f"ИВС {ru_gen} городского управления полиции",
            "police-station", "police", region, en, lat, lon, postcode, 2.0, az)  # fmt: skip
        for number in range(1, rng.randrange(3, 6)):
            add(f"{en} City Police Station No. {number}",
                f"{az} Şəhər Polis İdarəsinin {number} saylı Polis Bölməsi",
                f"Отделение полиции № {number} {ru_gen} городского управления полиции",
                "police-station", "police", region, en, lat, lon,
                postcode + rng.randrange(1, 100), 0.5, az)  # fmt: skip

    # pre-trial detention centres: Baku's first and the security service's hold most
    en, az, ru, ru_gen, region, lat, lon = BAKU
    add("Baku Pre-Trial Detention Centre No. 1", "Bakı 1 saylı İstintaq Təcridxanası",
        "Бакинский следственный изолятор № 1", "pre-trial-detention-centre", "penitentiary",
        "Absheron-Khizi", "Kurdakhani", 40.54, 49.92, 1104, 60.0, "Bakı, Kürdəxanı qəsəbəsi")  # fmt: skip
    add("State Security Service Investigation Isolator",
        "Dövlət Təhlükəsizliyi Xidmətinin İstintaq Təcridxanası",
        "Следственный изолятор Службы государственной безопасности",
        "pre-trial-detention-centre", "security", "Baku", "Baku", 40.37, 49.85, 1000, 30.0,
        "Bakı")  # fmt: skip
    centres = [("Baku", "Bakı", "Бакинский", "Baku", 40.30, 49.80, 1100)] + [
        (t[0], t[1], t[3].removesuffix("ого") + "ий", t[4], t[5], t[6], 2000 + i * 100)
        for i, t in enumerate(TOWNS)
        if t[0] in ("Ganja", "Lankaran", "Nakhchivan", "Shaki", "Shirvan", "Guba", "Mingachevir")
    ]
    for number, (en, az, ru_adj, region, lat, lon, postcode) in enumerate(centres, start=2):
        add(f"{en} Pre-Trial Detention Centre No. {number}",
            f"{az} {number} saylı İstintaq Təcridxanası",
            f"{ru_adj} следственный изолятор № {number}", "pre-trial-detention-centre",
            "penitentiary", region, en, lat, lon, postcode, 12.0 if en == "Baku" else 6.0, az)  # fmt: skip

    # prisons (closed type) and penitentiary institutions (colonies by regime)
    settlements = list(BAKU_SETTLEMENTS)
    places = [(en, az, ru, "Absheron-Khizi", lat, lon) for en, az, ru, lat, lon in settlements] + [
        (t[0], t[1], t[2], t[4], t[5], t[6]) for t in TOWNS
    ]
    for number, (en, az, ru, region, lat, lon) in enumerate(rng.sample(places, 4), start=1):
        add(f"{en} Prison", f"{az} Qapalı Tipli Həbsxana", f"Тюрьма закрытого типа ({ru})",
            "prison", "penitentiary", region, en, lat, lon, 3000 + number, 10.0, az)  # fmt: skip
    regimes = ["colony-general"] * 8 + ["colony-strict"] * 10 + ["colony-special"] * 3
    rng.shuffle(regimes)
    for number, regime in enumerate(regimes, start=1):
        en, az, ru, region, lat, lon = rng.choice(places[:14])
        add(f"Penitentiary Institution No. {number}", f"{number} saylı Cəzaçəkmə Müəssisəsi",
            f"Пенитенциарное учреждение № {number} ({ru})", regime, "penitentiary", region, en,
            lat, lon, 3100 + number, rng.choice([6.0, 10.0, 16.0]), az)  # fmt: skip
    for number in range(1, 6):
        en, az, ru, region, lat, lon = rng.choice(places)
        add(f"Colony-Settlement No. {number}", f"{number} saylı Koloniya-Qəsəbə",
            f"Колония-поселение № {number} ({ru})", "colony-settlement", "penitentiary", region,
            en, lat, lon, 3200 + number, 2.0, az)  # fmt: skip
    add("Medical Facility of the Penitentiary Service", "Penitensiar Xidmətin Müalicə Müəssisəsi",
        "Лечебное учреждение Пенитенциарной службы", "prison", "penitentiary", "Baku", "Baku",
        40.43, 49.90, 3300, 3.0, "Bakı")  # fmt: skip

    # psychiatric hospitals and a few others
    for number, (en, az, ru) in enumerate(
        [("Mardakan", "Mərdəkan", "Мардакяны"), ("Ganja", "Gəncə", "Гянджа"),
         ("Lankaran", "Lənkəran", "Ленкорань"), ("Shaki", "Şəki", "Шеки")], start=1
    ):  # fmt: skip
        lat, lon, region = (
            (40.49, 50.14, "Baku")
            if number == 1
            else next((t[5], t[6], t[4]) for t in TOWNS if t[0] == en)
        )
        add(f"Psychiatric Hospital No. {number}, {en}",
            f"{az} {number} saylı Psixiatriya Xəstəxanası",
            f"Психиатрическая больница № {number} ({ru})", "psychiatric-institution", "health",
            region, en, lat, lon, 3400 + number, 1.0, az)  # fmt: skip
    add("State Migration Service Detention Centre for Illegal Migrants",
        "Dövlət Miqrasiya Xidmətinin Qanunsuz Miqrantların Saxlanılması Mərkəzi",
        "Центр содержания незаконных мигрантов Государственной миграционной службы", "other",
        "migration", "Absheron-Khizi", "Umbaki", 40.20, 49.45, 3500, 0.5, "Umbaki")  # fmt: skip
    for en, az, ru, _gen, region, lat, lon in (BAKU, TOWNS[0], TOWNS[6]):
        add(f"Military Police Guardhouse, {en}", f"{az} Hərbi Polis Qauptvaxtı",
            f"Гауптвахта военной полиции ({ru})", "other", "defence", region, en, lat, lon,
            3600, 0.5, az)  # fmt: skip
    return specs
