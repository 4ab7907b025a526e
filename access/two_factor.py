"""Staff second factor: a TOTP app, and single-use backup codes for when the
phone is lost. Built on django-otp's device models."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


class TryLater(Exception):
    """Wrong codes came too fast: the device refuses to check another for a while
    (django-otp's throttle doubles the wait after each wrong code)."""


TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


def user_has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_for_enrolment(user) -> TOTPDevice:
    """The user's unconfirmed TOTP device, made once and kept until confirmed, so
    reloading the page does not change the secret already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps accept it when typed, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the device with a code from the app; return a fresh set of backup
    codes to show once, or None when the code is wrong."""
    # Locked for the check, as django-otp's for_verify does: two requests racing
    # with one code cannot both pass it.
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_is_allowed()[0]:
        raise TryLater
    if not device.verify_token(_digits(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # one app per account: an older confirmed app stops working
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    return backup_codes_issue(user=device.user)


@transaction.atomic
def backup_codes_issue(*, user) -> list[str]:
    """Replace the user's backup codes with new ones; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_verify(*, user, code: str):
    """The device that accepts the code (an app's six digits, or an unused backup
    code, which is then used up), or None."""
    # django-otp locks the devices while it checks (select_for_update), so that a
    # code cannot be used twice by racing requests: that needs a transaction, and
    # requests are not atomic. A wrong code is committed too (the throttle counts it).
    with transaction.atomic():
        outcome = _second_factor_check(user=user, code=code)
    if outcome is TryLater:
        raise TryLater
    return outcome


def _second_factor_check(*, user, code: str):
    code = code.strip()
    digits = _digits(code)
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        is_app = isinstance(device, TOTPDevice)
        candidate = digits if is_app else code.replace(" ", "").lower()
        if is_app != (len(digits) == 6 and digits.isdigit()):
            continue  # a code is tried on its own kind of device only
        if not device.verify_is_allowed()[0]:
            return TryLater
        if device.verify_token(candidate):
            return device
    return None


def _digits(code: str) -> str:
    return code.replace(" ", "").replace("-", "")
