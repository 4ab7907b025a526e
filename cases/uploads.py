"""What staff may upload as a person's photo, and under which name it is stored.
(Case sheets are checked where they are read: cases.case_sheet.case_sheet_upload_check.)"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Pillow's format name -> the extension the stored file gets (it decides the
# Content-Type the photo is served with, so it comes from the content, never the name)
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
# A small file may declare a huge image ("decompression bomb"); 40 megapixels is
# more than any camera photo of a person needs.
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


def photo_upload_check(file: Any) -> str:
    """Refuse a photo larger than settings.PHOTO_MAX_BYTES, one that is not a
    JPEG, PNG or WebP image by its content (Pillow reads and verifies it), or one
    of more than PHOTO_MAX_PIXELS. Raises ValidationError naming the limit;
    returns the extension of the image's real format."""
    from PIL import Image

    if file.size > settings.PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is %(size)s; a photo may be at most %(limit)s.")
            % {
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.PHOTO_MAX_BYTES),
            },
            code="photo_too_large",
        )
    too_many_pixels = ValidationError(
        _("The photo has more than %(limit)s megapixels; save it smaller and upload it again.")
        % {"limit": PHOTO_MAX_PIXELS // 1_000_000},
        code="photo_too_many_pixels",
    )
    file.seek(0)
    try:
        # only these decoders are tried: GIF, SVG, HTML or a PDF named .jpg are refused
        with Image.open(file, formats=list(PHOTO_FORMATS)) as image:
            width, height = image.size
            if width * height > PHOTO_MAX_PIXELS:
                raise too_many_pixels
            image.verify()
            image_format = image.format
    except Image.DecompressionBombError as error:  # Pillow's own, higher limit
        raise too_many_pixels from error
    except ValidationError:
        raise
    except Exception as error:  # UnidentifiedImageError, truncated or corrupt data
        raise ValidationError(
            _("The photo is not a JPEG, PNG or WebP image (the file's content was checked, "
              "not only its name). Save it in one of these formats and upload it again."),
            code="photo_not_an_image",
        ) from error  # fmt: skip
    finally:
        file.seek(0)
    return PHOTO_FORMATS[image_format]


class PhotoField(forms.ImageField):
    """The admin's photo field: photo_upload_check instead of "any image Pillow
    reads", and the upload renamed after its real format before it is stored."""

    def to_python(self, data):
        file = forms.FileField.to_python(self, data)
        if file is None:
            return None
        file.name = "photo" + photo_upload_check(file)
        return file

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput):
            attrs["accept"] = PHOTO_ACCEPT
        return attrs


def person_photo_path(instance: Any, filename: str) -> str:
    """A new random name: the uploader's file name (often a person's name, a
    place or a date) is neither stored nor sent back in Content-Disposition.
    Only an image extension is kept, so nothing else is served as a page."""
    extension = PurePosixPath(filename).suffix.lower()
    if extension not in PHOTO_FORMATS.values():
        extension = ".jpg" if extension == ".jpeg" else ""
    return f"persons/{uuid.uuid4().hex}{extension}"
