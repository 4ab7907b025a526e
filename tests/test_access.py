"""Staff sign-in and roles: the four role groups, two factors before any admin
page, the brute-force lockout and the client address behind proxies, Argon2,
session expiry, the password asked again before sensitive actions, and partner
tokens that only administrators issue."""

from __future__ import annotations

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission, User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.middleware import SIGNED_IN_AT
from access.models import PartnerToken
from access.roles import ADMINISTRATOR, EDITOR, PARTNER, RESEARCHER, roles_apply
from cases.models import Person
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-7"


def member(role: str | None, name: str | None = None, *, staff=True) -> User:
    roles_apply()
    user = User.objects.create_user(name or role or "nobody", password=PASSWORD, is_staff=staff)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def signed_in(user: User) -> Client:
    return factories.staff_sign_in(Client(), user)


def password_only(user: User) -> Client:
    """Past the password, not yet past the second factor."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def wait_out_the_throttle():
    """As if the few seconds django-otp makes a device wait after a wrong code had passed."""
    for model in (TOTPDevice, StaticDevice):
        model.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# --- roles -----------------------------------------------------------------------------


def perms(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_the_roles_command_creates_four_groups_with_exactly_their_permissions():
    call_command("setup_roles", verbosity=0)
    researcher, editor = perms(RESEARCHER), perms(EDITOR)
    assert {"cases.add_person", "cases.change_person", "sources.add_citation"} <= researcher
    assert not {"cases.delete_person", "cases.publish", "cases.restore"} & researcher
    assert not any(p.startswith(("auth.", "access.")) for p in researcher)
    assert researcher < editor
    assert {"cases.delete_person", "cases.publish", "cases.restore", "cases.merge_persons"} <= (
        editor
    )
    administrator = perms(ADMINISTRATOR)
    assert {"auth.add_user", "auth.change_user", "access.add_partnertoken"} <= administrator
    assert "auth.delete_user" not in administrator
    assert not any(p.startswith(("cases.", "sources.")) for p in administrator)
    assert perms(PARTNER) == set()

    # run again after someone widened a group by hand: the extra right is taken back
    Group.objects.get(name=RESEARCHER).permissions.add(Permission.objects.get(codename="publish"))
    call_command("setup_roles", verbosity=0)
    assert "cases.publish" not in perms(RESEARCHER)
    assert Group.objects.filter(name__in=[RESEARCHER, EDITOR, ADMINISTRATOR, PARTNER]).count() == 4


def test_a_researcher_creates_and_edits_but_cannot_delete_publish_or_manage_access():
    client = signed_in(member(RESEARCHER))
    person = factories.person("Role Test", visibility="internal")
    assert client.get("/admin/cases/person/add/").status_code == 200
    assert client.get(f"/admin/cases/person/{person.pk}/change/").status_code == 200
    assert client.get(f"/admin/cases/person/{person.pk}/delete/").status_code == 403
    changelist = client.get("/admin/cases/person/").content.decode()
    assert "publish_public" not in changelist and "delete_selected" not in changelist
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/access/partnertoken/add/").status_code == 403


def test_an_editor_also_trashes_publishes_restores_and_merges():
    client = signed_in(member(EDITOR))
    person = factories.person("Role Test", visibility="internal")
    assert client.get(f"/admin/cases/person/{person.pk}/delete/").status_code == 200
    changelist = client.get("/admin/cases/person/").content.decode()
    assert "publish_public" in changelist
    assert client.get("/admin/cases/person/trash/").status_code == 200
    assert client.get("/admin/cases/person/duplicates/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403


def test_an_administrator_manages_users_and_tokens_but_not_cases():
    client = signed_in(member(ADMINISTRATOR))
    assert client.get("/admin/auth/user/add/").status_code == 200
    assert client.get("/admin/access/partnertoken/add/").status_code == 200
    assert client.get("/admin/cases/person/").status_code == 403
    someone = member(None, "someone")
    assert client.get(f"/admin/auth/user/{someone.pk}/delete/").status_code == 403  # deactivate


def test_a_partner_account_never_reaches_the_admin_even_marked_staff():
    client = signed_in(member(PARTNER))
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get("/admin/cases/person/").status_code == 302


# --- two factors -----------------------------------------------------------------------


def test_staff_without_an_app_are_sent_to_enrol_before_any_admin_page():
    client = password_only(member(RESEARCHER))
    for url in ["/admin/", "/admin/cases/person/", "/admin/auth/user/", "/admin/access/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/two-factor/enrol/"), url
    assert "next=%2Fadmin%2Fcases%2Fperson%2F" in client.get("/admin/cases/person/")["Location"]


def test_enrolment_confirms_the_app_with_a_code_and_shows_backup_codes_once():
    user = member(RESEARCHER)
    client = password_only(user)
    page = client.get("/admin/two-factor/enrol/?next=/admin/cases/person/").content.decode()
    assert "<svg" in page and "otpauth" not in page  # the QR code, not a link to leak
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    # reloading keeps the secret the app may already have scanned
    client.get("/admin/two-factor/enrol/")
    assert TOTPDevice.objects.get(user=user).pk == device.pk

    wrong = client.post(
        "/admin/two-factor/enrol/", {"code": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/admin/").status_code == 302
    # right after a wrong code the device waits before checking another
    too_fast = client.post("/admin/two-factor/enrol/", {"code": code_for(device)})
    assert "Too many wrong codes" in too_fast.content.decode()
    wait_out_the_throttle()

    response = client.post(
        "/admin/two-factor/enrol/", {"code": code_for(device), "next": "/admin/cases/person/"}
    )
    codes = response.context["codes"]
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/admin/cases/person/").status_code == 200  # verified in this session
    # enrolled: no second chance to see or replace the codes without the password
    assert client.get("/admin/two-factor/enrol/").status_code == 302


def test_a_later_sign_in_asks_for_the_app_code_or_a_backup_code_used_once():
    user = member(RESEARCHER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    from access.two_factor import backup_codes_issue

    codes = backup_codes_issue(user=user)
    client = password_only(user)
    response = client.get("/admin/cases/person/")
    assert response["Location"].startswith("/admin/two-factor/verify/")
    # an enrolled account cannot enrol a second app without its factor
    assert client.get("/admin/two-factor/enrol/")["Location"].startswith(
        "/admin/two-factor/verify/"
    )

    assert (
        "not right" in client.post("/admin/two-factor/verify/", {"code": "12345"}).content.decode()
    )
    wait_out_the_throttle()
    ok = client.post("/admin/two-factor/verify/", {"code": code_for(device), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    second = password_only(user)
    assert second.post("/admin/two-factor/verify/", {"code": codes[0]}).status_code == 302
    assert second.get("/admin/").status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()  # used up
    third = password_only(user)
    assert third.post("/admin/two-factor/verify/", {"code": codes[0]}).status_code == 200
    assert third.get("/admin/").status_code == 302


def test_verification_refuses_a_redirect_to_another_host():
    user = member(RESEARCHER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = password_only(user)
    response = client.post(
        "/admin/two-factor/verify/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"


@pytest.mark.django_db(transaction=True)
def test_an_enrolled_account_signs_in_with_its_app_or_a_backup_code_under_real_transactions():
    # Outside a test transaction, as in production: the devices are locked for the check
    # (django-otp's select_for_update) only inside a transaction of their own.
    user = member(RESEARCHER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    from access.two_factor import backup_codes_issue

    codes = backup_codes_issue(user=user)
    client = password_only(user)

    wrong_code = "000000" if code_for(device) != "000000" else "111111"
    wrong = client.post("/admin/two-factor/verify/", {"code": wrong_code})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    # the failure is kept (the throttle counts it) although nothing else is written
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 1
    too_fast = client.post("/admin/two-factor/verify/", {"code": code_for(device)})
    assert too_fast.status_code == 200 and "Too many wrong codes" in too_fast.content.decode()
    assert client.get("/admin/").status_code == 302
    wait_out_the_throttle()

    ok = client.post("/admin/two-factor/verify/", {"code": code_for(device), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(pk=device.pk).last_t >= 0  # this code cannot be replayed

    backup = password_only(user)
    response = backup.post("/admin/two-factor/verify/", {"code": codes[0], "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert backup.get("/admin/").status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()  # used up
    again = password_only(user)
    assert again.post("/admin/two-factor/verify/", {"code": codes[0]}).status_code == 200
    assert again.get("/admin/").status_code == 302


def test_a_session_stopped_at_the_second_factor_can_sign_out():
    user = member(RESEARCHER)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = password_only(user)
    page = client.get("/admin/two-factor/verify/").content.decode()
    assert '<form method="post" action="/admin/logout/"' in page  # a POST, as Django 5 needs
    assert client.post("/admin/logout/").status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_admin_site_itself_refuses_an_unverified_session(settings):
    # without the enrolment middleware, the admin still does not open
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "StaffSignInMiddleware" not in m]
    client = password_only(member(RESEARCHER))
    response = client.get("/admin/cases/person/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_backup_codes_are_renewed_only_with_the_password():
    user = member(RESEARCHER)
    client = signed_in(user)
    from access.two_factor import backup_codes_issue

    old = backup_codes_issue(user=user)
    wrong = client.post("/admin/two-factor/backup-codes/", {"current_password": "nope"})
    assert "not your password" in wrong.content.decode()
    assert StaticToken.objects.filter(token=old[0]).exists()
    response = client.post("/admin/two-factor/backup-codes/", {"current_password": PASSWORD})
    assert len(response.context["codes"]) == 10
    assert not StaticToken.objects.filter(token=old[0]).exists()


# --- lockout and client address ----------------------------------------------------------


def sign_in(client, username, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **extra
    )


def test_repeated_wrong_passwords_lock_the_account_from_that_address_for_a_cool_off(settings):
    member(RESEARCHER, "rita")
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "rita", "wrong").status_code == 200  # the form again, with an error
    assert sign_in(client, "rita", "wrong").status_code == 429  # the last allowed failure
    locked = sign_in(client, "rita", PASSWORD)
    assert locked.status_code == 429
    assert "try again in 15 minutes" in locked.content.decode()
    assert locked["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session

    # the same account from another address is not locked out (no denial of service
    # against a colleague by guessing at her name)
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in(elsewhere, "rita", PASSWORD).status_code == 302

    # after the cool-off, the right password works again
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert sign_in(client, "rita", PASSWORD).status_code == 302


def test_the_lockout_answer_says_in_retry_after_how_many_seconds_to_wait(settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=2)
    member(RESEARCHER, "rita")
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert "Retry-After" not in sign_in(client, "rita", "wrong")
    last_failure = sign_in(client, "rita", "wrong")
    assert last_failure.status_code == 429 and last_failure["Retry-After"] == "120"
    assert "try again in 2 minutes" in last_failure.content.decode()

    # The whole cool-off is the exact wait: each try while locked starts it again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(seconds=110))
    asked_at = timezone.now()
    locked = sign_in(client, "rita", PASSWORD)
    assert locked.status_code == 429 and locked["Retry-After"] == "120"
    assert AccessAttempt.objects.get().attempt_time >= asked_at
    AccessAttempt.objects.update(attempt_time=asked_at - datetime.timedelta(seconds=110))
    assert sign_in(client, "rita", PASSWORD).status_code == 429  # 110 s of 120 waited
    AccessAttempt.objects.update(attempt_time=asked_at - datetime.timedelta(seconds=121))
    assert sign_in(client, "rita", PASSWORD).status_code == 302  # waited as told


def test_behind_a_proxy_the_address_is_the_proxys_not_what_the_client_wrote(settings):
    settings.NUM_PROXIES = 1
    member(RESEARCHER, "rita")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(**proxy)
    for n in range(settings.AXES_FAILURE_LIMIT):
        # the attacker writes a new X-Forwarded-For each time; the proxy appends the real one
        sign_in(attacker, "rita", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7")
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"
    assert (
        sign_in(attacker, "rita", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7")
    ).status_code == 429
    colleague = Client(**proxy)  # the same proxy forwards another client
    assert (
        sign_in(colleague, "rita", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 302
    )


def test_without_proxies_a_forwarded_header_is_not_believed(settings):
    settings.NUM_PROXIES = 0
    member(RESEARCHER, "rita")
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "rita", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(client, "rita", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_the_api_throttle_and_the_lockout_see_the_same_client(rf, settings):
    from access.client_ip import client_ip
    from cases.api.throttles import AnonymousRateThrottle

    settings.NUM_PROXIES = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    request.user = None
    assert client_ip(request) == "198.51.100.7"
    assert AnonymousRateThrottle().get_cache_key(request, None).endswith("198.51.100.7")


# --- passwords and sessions -------------------------------------------------------------


def test_passwords_are_hashed_with_argon2_and_old_hashes_upgraded_at_sign_in():
    user = member(RESEARCHER, "rita")
    assert user.password.startswith("argon2$")
    from django.contrib.auth.hashers import make_password

    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert sign_in(Client(), "rita", PASSWORD).status_code == 302
    assert User.objects.get(pk=user.pk).password.startswith("argon2$")


def test_a_short_password_is_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("short-pw-1")


def test_sessions_end_when_the_browser_closes_after_an_idle_hour_and_after_twelve_hours(
    settings,
):
    user = member(RESEARCHER)
    client = signed_in(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a browser-session cookie
    session = Session.objects.get()
    # renewed on each request: the server forgets the session after an idle hour
    remaining = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=59) < remaining <= datetime.timedelta(hours=1)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/admin/")["Location"].startswith("/admin/login/")

    # however active, a session ends twelve hours after sign-in
    client = signed_in(user)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_MAX_SECONDS - 1
    session.save()
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session


# --- the password again before sensitive actions ------------------------------------------


def test_issuing_a_token_needs_the_password_again():
    client = signed_in(member(ADMINISTRATOR))
    form = {"name": "NGO", "contact": "", "expires_at_0": "2099-01-01", "expires_at_1": "00:00"}
    assert "Your password" in client.get("/admin/access/partnertoken/add/").content.decode()
    missing = client.post("/admin/access/partnertoken/add/", form)
    assert missing.status_code == 200 and not PartnerToken.objects.exists()
    wrong = client.post("/admin/access/partnertoken/add/", {**form, "current_password": "x"})
    assert "not your password" in wrong.content.decode() and not PartnerToken.objects.exists()
    ok = client.post(
        "/admin/access/partnertoken/add/", {**form, "current_password": PASSWORD}, follow=True
    )
    shown = [str(m) for m in ok.context["messages"] if "will not be shown again" in str(m)]
    token = PartnerToken.objects.get()
    raw = shown[0].rsplit(" ", 1)[-1]
    assert raw.startswith("cbk_") and token.key_hash != raw and raw not in token.key_hash
    assert raw not in client.get(f"/admin/access/partnertoken/{token.pk}/change/").content.decode()
    assert client.get(f"/admin/access/partnertoken/{token.pk}/delete/").status_code == 403


def test_changing_a_user_needs_the_password_again():
    client = signed_in(member(ADMINISTRATOR))
    target = member(None, "newcomer")
    url = f"/admin/auth/user/{target.pk}/change/"
    form = {
        "username": "newcomer",
        "is_active": "on",
        "is_staff": "on",
        "groups": [Group.objects.get(name=EDITOR).pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    refused = client.post(url, {**form, "current_password": "guess"})
    assert "not your password" in refused.content.decode()
    assert not target.groups.exists()
    assert client.post(url, {**form, "current_password": PASSWORD}).status_code == 302
    assert list(target.groups.values_list("name", flat=True)) == [EDITOR]

    add = {
        "username": "another",
        "password1": "x-new-password-42",
        "password2": "x-new-password-42",
    }
    assert (
        client.post("/admin/auth/user/add/", {**add, "usable_password": "true"}).status_code == 200
    )
    assert not User.objects.filter(username="another").exists()
    client.post(
        "/admin/auth/user/add/", {**add, "usable_password": "true", "current_password": PASSWORD}
    )
    assert User.objects.filter(username="another").exists()

    password_url = f"/admin/auth/user/{target.pk}/password/"
    new = {
        "password1": "y-new-password-42",
        "password2": "y-new-password-42",
        "usable_password": "true",
    }
    page = client.post(password_url, {**new, "current_password": "guess"}).content.decode()
    assert "not your password" in page
    assert not User.objects.get(pk=target.pk).check_password("y-new-password-42")
    assert client.post(password_url, {**new, "current_password": PASSWORD}).status_code == 302
    assert User.objects.get(pk=target.pk).check_password("y-new-password-42")


def test_wrong_passwords_at_a_confirmation_count_towards_the_lockout(settings):
    user = member(ADMINISTRATOR, "ada")
    client = signed_in(user)
    form = {"name": "NGO", "expires_at_0": "2099-01-01", "expires_at_1": "00:00"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/access/partnertoken/add/", {**form, "current_password": "guess"})
    assert (
        AccessAttempt.objects.get(username="ada").failures_since_start
        >= settings.AXES_FAILURE_LIMIT
    )
    client.post("/admin/access/partnertoken/add/", {**form, "current_password": PASSWORD})
    assert not PartnerToken.objects.exists()  # locked: even the right password is not tried


# --- partner tokens -----------------------------------------------------------------------


def test_partner_tokens_read_and_never_write(client):
    from access.services import token_issue

    factories.person("Readable Person")
    _token, raw = token_issue(name="NGO")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/persons/", **auth).status_code == 200
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/persons/", **auth)
        assert response.status_code == 405, method
    assert Person.objects.count() == 1


def test_administrators_remove_a_lost_device_but_never_see_its_secret_or_codes():
    from access.two_factor import backup_codes_issue

    colleague = member(RESEARCHER, "rita")
    device = TOTPDevice.objects.create(user=colleague, name="app", confirmed=True)
    codes = backup_codes_issue(user=colleague)
    client = signed_in(member(ADMINISTRATOR))
    for url in (
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_static/staticdevice/{colleague.staticdevice_set.get().pk}/change/",
    ):
        page = client.get(url).content.decode()
        assert "rita" in page, url
        assert device.key not in page and not any(code in page for code in codes), url
    config = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/", follow=True)
    assert device.key not in config.content.decode()  # no configuration or QR code view
    client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    # at the next sign-in the colleague enrols a new app
    response = password_only(colleague).get("/admin/")
    assert response["Location"].startswith("/admin/two-factor/enrol/")
