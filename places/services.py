"""Writes of the places app: finding facilities by any spelling of their names,
and creating the ones Casebook lacks (internal). The case-sheet import, the
admin and the list import share these, so a facility is matched one way.

A spelling's facility key is the words of its name key (cases.search.name_key),
without a number sign before a number ("Prison No. 13", "Prison no 13" and
"Prison № 13" are one facility), and then its numbers as written: the name key
folds doubled letters, digits too, and "No. 11" must not find "No. 1"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.choices import Visibility
from cases.search import name_key, readable_ascii
from places.models import Facility, FacilityName

_NUMBERS = re.compile(r"[0-9]+")
# "no", "nr" or "n" (No., Nr., N, №, which the name key drops) before a number
_NUMBER_SIGN = re.compile(r"\b(?:no|nr|n) (?=[0-9])")


@lru_cache(maxsize=4096)
def facility_key(name: str) -> str:
    """The key a spelling of a facility is matched by; "" for a name with neither
    letters nor digits. "Prison No. 13", "Prison no 13" -> "prison #13"."""
    # the words of the name key, without its (folded) numbers and their signs
    words = " ".join(_NUMBERS.sub(" ", _NUMBER_SIGN.sub("", name_key(name))).split())
    numbers = " ".join(number.lstrip("0") or "0" for number in _NUMBERS.findall(name))
    return f"{words} #{numbers}".strip() if numbers else words


@dataclass(frozen=True)
class FoundFacility:
    """A stored facility one of whose spellings has the key looked for."""

    id: int
    name: str
    slug: str
    via: str  # the stored spelling (its name or another name) whose key matched

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


def facility_match(names: Iterable[str]) -> dict[str, list[FoundFacility]]:
    """The facilities in use (not in the trash) that each of `names` may mean, by
    facility key, whatever its spelling: key -> the facilities (none, one, or
    several: ambiguous), each once, in id order. One query: facilities and their
    other names are few beside persons, and a key is computed in Python only."""
    wanted = {key for key in map(facility_key, names) if key}
    if not wanted:
        return {}
    found: dict[str, dict[int, FoundFacility]] = {key: {} for key in wanted}
    facilities, other_names = Facility._meta.db_table, FacilityName._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT f.id, f.name, f.slug, f.name FROM {facilities} f WHERE f.deleted_at IS NULL
            UNION ALL
            SELECT f.id, f.name, f.slug, n.name FROM {other_names} n
            JOIN {facilities} f ON f.id = n.facility_id
            WHERE n.deleted_at IS NULL AND f.deleted_at IS NULL
            ORDER BY 1""")  # fmt: skip
        for facility_id, name, slug, spelling in cursor.fetchall():
            key = facility_key(spelling)
            if key in found and facility_id not in found[key]:
                found[key][facility_id] = FoundFacility(facility_id, name, slug, spelling)
    return {key: list(by_id.values()) for key, by_id in found.items()}


def ambiguous_facility_message(candidates: list[FoundFacility]) -> str:
    """What a person reads when a name matches several facilities: which, and what to do."""
    shown = ", ".join(map(str, candidates[:5])) + (" …" if len(candidates) > 5 else "")
    return ngettext(
        "the name matches %(n)s facility in Casebook (%(facilities)s) and it is not clear "
        "which one is meant; expected a name that matches one facility: write it as Casebook names "
        "it, or tell the facilities apart in the admin first",
        "the name matches %(n)s facilities in Casebook (%(facilities)s) and it is not clear "
        "which one is meant; expected a name that matches one facility: write it as Casebook names "
        "it, or tell the facilities apart in the admin first",
        len(candidates),
    ) % {"n": len(candidates), "facilities": shown}


def facility_slugs(names: list[str]) -> list[str]:
    """A slug for a new facility of each of `names`, none taken by a stored
    facility (in the trash too) nor by another of `names`: "prison-no-13",
    "prison-no-13-2"... One query, whatever the number of names."""
    bases = [slugify(readable_ascii(name))[:110] or "facility" for name in names]
    if not bases:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT slug FROM {Facility._meta.db_table} "
            "WHERE slug = ANY(%s) OR substring(slug FROM '^(.*)-[0-9]+$') = ANY(%s)",
            [sorted(set(bases)), sorted(set(bases))],
        )
        taken = {slug for (slug,) in cursor.fetchall()}
    slugs = []
    for base in bases:
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


class AmbiguousFacilityName(ValueError):
    """Names that match several stored facilities: name -> the facilities."""

    def __init__(self, ambiguous: dict[str, list[FoundFacility]]):
        self.ambiguous = ambiguous
        super().__init__(
            "; ".join(
                _("%(name)s: %(problem)s")
                % {"name": name, "problem": ambiguous_facility_message(found)}
                for name, found in ambiguous.items()
            )
        )


def facilities_find_or_create(
    *, names: Iterable[str], visibility: str = Visibility.INTERNAL
) -> dict[str, Facility]:
    """Each of `names` (blank ones skipped) with its facility: the one stored
    facility any of whose spellings has its facility key, or a new one at
    `visibility` (internal unless said), one per key: "Prison No. 13" and
    "Prison no 13" give one facility, named as the first of them is written.
    Raises AmbiguousFacilityName, writing nothing, when a name matches several
    facilities. A fixed number of queries whatever the number of names."""
    names = [" ".join(name.split()) for name in names]
    keyed = {name: facility_key(name) for name in names if name}
    unreadable = [name for name, key in keyed.items() if not key]
    if unreadable:
        raise ValueError(
            _("%(names)s: expected a facility name with letters or a number")
            % {"names": ", ".join(map(repr, unreadable))}
        )
    with transaction.atomic():
        found = facility_match(keyed)
        ambiguous = {name: found[key] for name, key in keyed.items() if len(found[key]) > 1}
        if ambiguous:
            raise AmbiguousFacilityName(ambiguous)
        new_names: dict[str, str] = {}  # key -> the first spelling
        for name, key in keyed.items():
            if not found[key]:
                new_names.setdefault(key, name)
        new = [
            Facility(name=name, name_key=name_key(name), slug=slug, visibility=visibility)
            for name, slug in zip(
                new_names.values(), facility_slugs(list(new_names.values())), strict=True
            )
        ]
        Facility.objects.bulk_create(new)
        by_key = dict(zip(new_names, new, strict=True))
        stored_ids = {found[key][0].id for key in keyed.values() if found[key]}
        stored = Facility.objects.in_bulk(stored_ids)
        for key, facilities in found.items():
            if facilities:
                by_key[key] = stored[facilities[0].id]
        return {name: by_key[key] for name, key in keyed.items()}
