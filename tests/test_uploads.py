"""Limits on uploads: a case sheet (admin import and the command) over
CASE_SHEET_MAX_BYTES or not CSV or XLSX by its content is refused before
anything is stored or written; a person's photo over PHOTO_MAX_BYTES, not a
JPEG, PNG or WebP by its content, or of too many pixels is refused and the
person not saved; an accepted photo is stored under a random name; a request
body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused with 400."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from PIL import Image

from cases import admin_import
from cases.case_sheet import COLUMNS, CaseSheetFormatError, case_sheet_preview
from cases.models import Detention, Person

pytestmark = pytest.mark.django_db

NBSP = "\xa0"  # filesizeformat puts one between the number and the unit


# --- case sheets ---------------------------------------------------------------------


def csv_sheet(*names: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for name in names:
        writer.writerow([name] + [""] * 5 + ["2023"] + [""] * (len(COLUMNS) - 7))
    return out.getvalue().encode("utf-8")


def xlsx_sheet(*names: str, padding: int = 0) -> bytes:
    """A real workbook; `padding` bytes of zeros added as one more part of the
    package (they compress to almost nothing: what a ZIP bomb does)."""
    workbook = openpyxl.Workbook()
    workbook.active.append(list(COLUMNS))
    for name in names:
        workbook.active.append([name, None, None, None, None, None, "2023"])
    out = io.BytesIO()
    workbook.save(out)
    if padding:
        with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as package:
            package.writestr("xl/media/padding.bin", b"\0" * padding)
    return out.getvalue()


def zip_of(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in members.items():
            package.writestr(name, data)
    return out.getvalue()


def image(kind: str, size=(60, 40)) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", size, (30, 90, 160))
    picture.putpixel((1, 1), (255, 255, 0))
    picture.save(out, kind)
    return out.getvalue()


@pytest.fixture
def uploads(settings, tmp_path, monkeypatch):
    """Uploads wait under tmp_path; `stored` lists every upload the import stored,
    `waiting()` the files still waiting for a confirmation."""
    settings.STORAGES = {
        **settings.STORAGES,
        "import_export": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    folder = tmp_path / "private" / admin_import.UPLOAD_FOLDER
    record = SimpleNamespace(stored=[], waiting=lambda: sorted(folder.glob("*")))
    save = admin_import.CaseSheetUploadStorage.save

    def recording_save(storage, data):
        record.stored.append(getattr(data, "name", data))
        return save(storage, data)

    monkeypatch.setattr(admin_import.CaseSheetUploadStorage, "save", recording_save)
    return record


def import_upload(client, name: str, content: bytes):
    return client.post(
        reverse("admin:cases_person_import"),
        {"import_file": SimpleUploadedFile(name, content)},
    )


def upload_error(response) -> str:
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    errors = response.context["form"].errors.get("import_file")
    assert errors, "the upload was not refused"
    return " ".join(errors)


def test_the_admin_accepts_a_csv_and_an_xlsx_within_the_limits(staff_client, uploads, settings):
    settings.CASE_SHEET_MAX_BYTES = 10_000
    for name, content in (
        ("sheet.csv", csv_sheet("Elchin Testov")),
        ("sheet.xlsx", xlsx_sheet("Elchin Testov")),
    ):
        response = import_upload(staff_client, name, content)
        assert response.context["form"].errors == {}, name
        assert response.context["confirm_form"] is not None, name
    assert len(uploads.stored) == 2 and len(uploads.waiting()) == 2
    page = staff_client.get(reverse("admin:cases_person_import")).content.decode()
    assert f"CSV (UTF-8) or XLSX, at most 9.8{NBSP}KB." in page


def test_the_admin_refuses_a_case_sheet_over_the_size_limit_before_storing_it(
    staff_client, uploads, settings
):
    settings.CASE_SHEET_MAX_BYTES = 1000
    content = csv_sheet(*(f"Person Number{n}" for n in range(60)))
    assert len(content) > 1000
    error = upload_error(import_upload(staff_client, "sheet.csv", content))
    size = filesizeformat(len(content))
    assert f"The file is {size}; a case sheet may be at most 1000{NBSP}bytes" in error
    assert uploads.stored == []  # never stored, not even for a moment
    assert Person.objects.count() == 0


CONTENT_TYPES_ONLY = (
    b"<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>"
)


@pytest.mark.parametrize(
    "name, content, expected",
    [
        pytest.param("sheet.xlsx", image("PNG"), "The file is not a readable XLSX workbook "
                     "(File is not a zip file)", id="picture-named-xlsx"),
        pytest.param("sheet.xlsx", zip_of(**{"word/document.xml": b"<w:document/>"}),
                     "The file is not a readable XLSX workbook", id="zip-of-anything-named-xlsx"),
        pytest.param("sheet.xlsx", zip_of(**{"[Content_Types].xml": CONTENT_TYPES_ONLY}),
                     "no valid workbook part", id="package-without-workbook"),
        pytest.param("sheet.csv", image("PNG"), "the file is not UTF-8 text", id="picture-named-csv"),
        pytest.param("sheet.csv", xlsx_sheet("Elchin Testov"), "Save it as “CSV UTF-8” or as XLSX",
                     id="xlsx-named-csv"),
        # Excel's "Unicode text": UTF-16 without a byte-order mark holds NUL bytes
        pytest.param("sheet.csv", csv_sheet("Elchin Testov").decode().encode("utf-16-le"),
                     "NUL bytes", id="utf16-csv"),
        pytest.param("sheet.csv", csv_sheet("Elchin Testov") + b"Kamran\0Testov,,,,,,2023\n",
                     "NUL bytes", id="nul-in-a-row"),
        pytest.param("sheet.ods", zip_of(mimetype=b"application/vnd.oasis.opendocument.spreadsheet"),
                     "ODS files are not read: save the sheet as CSV (UTF-8) or XLSX.", id="ods"),
    ],
)  # fmt: skip
def test_the_admin_refuses_a_file_that_is_not_csv_or_xlsx_by_content(
    staff_client, uploads, name, content, expected
):
    error = upload_error(import_upload(staff_client, name, content))
    assert expected in error
    assert "XLSX" in error and "CSV" in error  # what to save it as instead
    assert uploads.waiting() == []  # a file refused while read is removed at once
    assert Person.objects.count() == 0


def test_the_admin_refuses_a_workbook_that_unpacks_far_beyond_the_limit(
    staff_client, uploads, settings
):
    settings.CASE_SHEET_MAX_BYTES = 10_000
    bomb = xlsx_sheet("Elchin Testov", padding=10_000 * 30)
    assert len(bomb) < 10_000
    error = upload_error(import_upload(staff_client, "sheet.xlsx", bomb))
    assert re.search(rf"The workbook unpacks to 3\d\d\.\d{NBSP}KB, more than a case sheet", error)
    assert f"within the limit of 9.8{NBSP}KB can hold" in error
    assert uploads.stored == []
    # the same workbook without the padding is imported
    assert import_upload(staff_client, "sheet.xlsx", xlsx_sheet("Elchin Testov")).context[
        "confirm_form"
    ]


def test_a_csv_with_a_nul_byte_anywhere_is_refused_naming_its_row():
    content = csv_sheet("Elchin Testov", "Kamran Testov") + b"Nigar\0Testova,,,,,,2023\n"
    with pytest.raises(CaseSheetFormatError, match=r"Row 4: the file holds NUL bytes"):
        case_sheet_preview(file=io.BytesIO(content), file_format="csv")


def test_the_command_refuses_an_oversized_or_disguised_file_and_writes_nothing(tmp_path, settings):
    settings.CASE_SHEET_MAX_BYTES = 1000
    big = tmp_path / "big.csv"
    big.write_bytes(csv_sheet(*(f"Person Number{n}" for n in range(60))))
    with pytest.raises(CommandError) as raised:
        call_command("import_case_sheet", str(big), "--no-progress", stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert f"a case sheet may be at most 1000{NBSP}bytes" in str(raised.value)

    picture = tmp_path / "sheet.xlsx"
    picture.write_bytes(image("PNG"))
    with pytest.raises(CommandError) as raised:
        call_command("import_case_sheet", str(picture), "--no-progress", stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert "not a readable XLSX workbook" in str(raised.value)
    assert Person.objects.count() == 0 and Detention.objects.count() == 0


# --- photos --------------------------------------------------------------------------------


def noisy_jpeg(size=(300, 300)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG file declaring `width` x `height` pixels (a decompression bomb:
    a few bytes that would decode to hundreds of megabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def person_form(photo: SimpleUploadedFile | None = None, **overrides) -> dict:
    data = {
        "display_name": "Photo Person",
        "gender": "",
        "birth_date": "",
        "citizenship": "",
        "summary": "",
        "photo_visibility": "public",
        "visibility": "public",
        "internal_notes": "",
    }
    for prefix in ("name_variants", "affiliations", "detentions", "citations"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})  # fmt: skip
    if photo is not None:
        data["photo"] = photo
    data.update(overrides)
    return data


def add_person(client, photo: SimpleUploadedFile):
    return client.post(reverse("admin:cases_person_add"), person_form(photo))


@pytest.mark.parametrize(
    "kind, extension, content_type",
    [("JPEG", ".jpg", "image/jpeg"), ("PNG", ".png", "image/png"),
     ("WEBP", ".webp", "image/webp")],
)  # fmt: skip
def test_a_jpeg_png_or_webp_photo_is_stored_under_a_random_name(
    staff_client, media, kind, extension, content_type
):
    upload = SimpleUploadedFile("Sevinj at home in Baku 2023-11-20.jpeg", image(kind))
    response = add_person(staff_client, upload)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Person.objects.get()
    # the real format decides the extension (and so the Content-Type it is served with)
    assert re.fullmatch(rf"persons/[0-9a-f]{{32}}\{extension}", person.photo.name)
    assert (media / person.photo.name).read_bytes() == image(kind)
    served = Client().get(reverse("person-photo", kwargs={"slug": person.slug}))
    assert served["Content-Type"] == content_type
    assert "Baku" not in served["Content-Disposition"]


NOT_AN_IMAGE = "The photo is not a JPEG, PNG or WebP image"


@pytest.mark.parametrize(
    "name, content, expected",
    [
        pytest.param("portrait.gif", image("GIF"), NOT_AN_IMAGE, id="gif"),
        pytest.param("portrait.jpg", image("GIF"), NOT_AN_IMAGE, id="gif-named-jpg"),
        pytest.param("portrait.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
                     b"</script></svg>", NOT_AN_IMAGE, id="svg-named-jpg"),
        pytest.param("portrait.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', NOT_AN_IMAGE,
                     id="svg"),
        pytest.param("portrait.jpg", b"<!doctype html><script>alert(1)</script>", NOT_AN_IMAGE,
                     id="html-named-jpg"),
        pytest.param("portrait.png", image("PNG")[:-30], NOT_AN_IMAGE, id="png-cut-short"),
        pytest.param("portrait.bmp", image("BMP"), NOT_AN_IMAGE, id="bmp-pillow-reads"),
        pytest.param("portrait.png", png_header(8000, 5001), "more than 40 megapixels",
                     id="just-over-40-megapixels"),
        pytest.param("portrait.png", png_header(20000, 20000), "more than 40 megapixels",
                     id="bomb-past-pillows-own-limit"),
    ],
)  # fmt: skip
def test_a_photo_that_is_not_a_jpeg_png_or_webp_or_too_large_is_refused_naming_the_field(
    staff_client, media, name, content, expected
):
    response = add_person(staff_client, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["photo"]
    assert expected in errors["photo"][0]
    assert Person.objects.count() == 0
    assert not (media / "persons").exists() or list((media / "persons").iterdir()) == []


def test_a_photo_over_the_size_limit_is_refused_naming_the_limit(staff_client, media, settings):
    settings.PHOTO_MAX_BYTES = 20_000
    content = noisy_jpeg()
    assert len(content) > 20_000
    response = add_person(staff_client, SimpleUploadedFile("portrait.jpg", content))
    errors = response.context["adminform"].form.errors
    assert errors["photo"] == [
        f"The photo is {filesizeformat(len(content))}; a photo may be at most 19.5{NBSP}KB."
    ]
    assert Person.objects.count() == 0


def test_the_photo_picker_offers_only_the_accepted_types(staff_client):
    page = staff_client.get(reverse("admin:cases_person_add")).content.decode()
    assert 'accept="image/jpeg,image/png,image/webp"' in page


def test_a_person_saved_again_keeps_the_photo_without_a_new_upload(staff_client, media):
    add_person(staff_client, SimpleUploadedFile("portrait.png", image("PNG")))
    person = Person.objects.get()
    data = person_form(summary="Edited.", edit_version=person.updated_at.isoformat())
    response = staff_client.post(reverse("admin:cases_person_change", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.summary == "Edited." and person.photo.name.endswith(".png")


# --- request bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_request_body_over_the_limit_is_refused_with_400(staff_client, settings, encoding):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # form fields; files count separately
    assert limit is not None and limit <= 5 * 1024 * 1024
    text = "x" * (limit + 1)
    url = reverse("admin:cases_person_add")
    if encoding == "urlencoded":
        response = staff_client.post(
            url, f"display_name={text}", content_type="application/x-www-form-urlencoded"
        )
    else:
        response = staff_client.post(url, person_form(display_name=text))
    assert response.status_code == 400
    assert Person.objects.count() == 0
