"""The evidence rule for officials' involvements (cases.evidence): an involvement
as alleged perpetrator of torture is made public only on citations a public
reader may see from sources of two different publishers; two sources of one
publisher are not enough; partners see it on one citation, as any fact. It holds
on every path that sets a level: the change form, the bulk actions (with real
transactions too), the case's publishing, a role changed on a public
involvement, restores; *Needs sources* and `audit_evidence` list what was
written around it; and the write side counts publishers as the policy does
(cases.visibility). Publishing needs an editor."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from access.roles import RESEARCHER, roles_apply
from cases import evidence, services
from cases.reads.case_records import case_record_ids
from cases.visibility import Reader, visible
from officials.choices import InvolvementRole
from officials.models import Involvement, InvolvementEvent
from sources.models import Citation
from tests import accountability_records as records
from tests import factories
from tests.test_evidence_rule import change_url, page_form

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, INTERNAL = "public", "partners", "internal"
PERPETRATOR = InvolvementRole.ALLEGED_PERPETRATOR
SECOND_SOURCE = "a second source from another publisher"
CHANGELIST = reverse("admin:officials_involvement_changelist")


def torture(*publishers: str, level: str = INTERNAL, role=PERPETRATOR) -> Involvement:
    """An internal involvement as alleged perpetrator in a torture allegation (a
    public person's), cited by one public source of each of `publishers`."""
    official = records.official("Rauf Mammadov")
    allegation = factories.allegation(factories.person("Tofig Yagublu"), "torture")
    involvement = records.involvement(
        official, role, allegation=allegation, visibility=level, cited=False
    )
    for name in publishers:
        factories.cite(involvement, source_obj=records.published_source(name))  # public
    return involvement


def publish(staff_client, involvement, level: str = PUBLIC):
    data = page_form(staff_client, change_url(involvement))
    data["visibility"] = level
    return staff_client.post(change_url(involvement), data)


def form_errors(response) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.context["adminform"].form.errors.get("visibility", ""))


def level_of(involvement) -> str:
    return Involvement.objects.values_list("visibility", flat=True).get(pk=involvement.pk)


# --- the form ------------------------------------------------------------------------------


def test_one_publisher_cannot_make_a_torture_involvement_public_in_the_form(staff_client):
    involvement = torture("Turan")
    errors = form_errors(publish(staff_client, involvement))
    assert "Involvement “Rauf Mammadov: alleged perpetrator”" in errors
    assert "Allegation" in errors  # which fact of a case it is in
    assert "come from 1 publisher" in errors and SECOND_SOURCE in errors
    assert level_of(involvement) == INTERNAL


def test_two_sources_of_the_same_publisher_are_not_enough(staff_client):
    involvement = torture("Turan", "Turan")
    assert Citation.objects.filter(involvement=involvement).count() == 2
    assert SECOND_SOURCE in form_errors(publish(staff_client, involvement))
    assert level_of(involvement) == INTERNAL


def test_two_publishers_make_it_public_and_the_public_sees_it(staff_client):
    involvement = torture("Turan", "Meydan TV")
    assert publish(staff_client, involvement).status_code == 302
    assert level_of(involvement) == PUBLIC
    assert visible(Involvement.objects.filter(pk=involvement.pk), Reader.PUBLIC).exists()


def test_partners_see_it_on_one_citation(staff_client):
    involvement = torture("Turan")
    assert publish(staff_client, involvement, PARTNERS).status_code == 302
    assert level_of(involvement) == PARTNERS
    assert visible(Involvement.objects.filter(pk=involvement.pk), Reader.PARTNER).exists()


def test_a_second_publisher_added_in_the_same_form_counts(staff_client):
    involvement = torture("Turan")
    second = records.published_source("Meydan TV")
    data = page_form(staff_client, change_url(involvement))
    data.update({
        "visibility": PUBLIC,
        "citations-TOTAL_FORMS": "2",
        "citations-1-source": second.pk,
        "citations-1-confidence": "high",
        "citations-1-visibility": PUBLIC,
    })  # fmt: skip
    response = staff_client.post(change_url(involvement), data)
    assert response.status_code == 302, form_errors(response)
    assert level_of(involvement) == PUBLIC


def test_a_source_without_a_publisher_names_none():
    involvement = torture("Turan")
    factories.cite(involvement, source_obj=factories.source("An unsigned leaflet"))
    [problem] = evidence.publication_problems(involvement, PUBLIC, stored_visibility=INTERNAL)
    assert "come from 1 publisher" in problem


def test_another_role_is_public_on_one_citation(staff_client):
    involvement = torture("Turan", role=InvolvementRole.INVESTIGATOR)
    assert publish(staff_client, involvement).status_code == 302
    assert level_of(involvement) == PUBLIC


def test_a_public_involvement_made_alleged_perpetrator_needs_the_second_publisher(staff_client):
    involvement = torture("Turan", level=PUBLIC, role=InvolvementRole.INVESTIGATOR)
    data = page_form(staff_client, change_url(involvement))
    data["role"] = PERPETRATOR
    assert SECOND_SOURCE in form_errors(staff_client.post(change_url(involvement), data))
    involvement.refresh_from_db()
    assert involvement.role == InvolvementRole.INVESTIGATOR


# --- bulk actions, the case, restores --------------------------------------------------------


def test_the_bulk_action_names_the_involvement_and_publishes_nothing(staff_client):
    one, two = torture("Turan"), torture("Turan", "Meydan TV")
    choose = {"action": "publish_public", "_selected_action": [one.pk, two.pk], "index": 0}
    response = staff_client.post(CHANGELIST, choose, follow=True)
    [message] = [str(m) for m in response.context["messages"]]
    assert "Nothing was published" in message and SECOND_SOURCE in message
    assert {level_of(one), level_of(two)} == {INTERNAL}
    with pytest.raises(ValidationError, match="second source from another publisher"):
        services.records_publish(
            queryset=Involvement.objects.filter(pk=one.pk), visibility=PUBLIC,
            user=User.objects.get(username="researcher"),
        )  # fmt: skip
    changed = services.records_publish(
        queryset=Involvement.objects.filter(pk__in=[one.pk, two.pk]), visibility=PARTNERS,
        user=User.objects.get(username="researcher"),
    )  # fmt: skip
    assert changed == 2


def test_publishing_the_case_lists_its_involvements_and_holds_them_to_the_rule():
    person = factories.person("Tofig Yagublu", visibility=INTERNAL)
    detention = factories.detention(person, arrested="2023-12", visibility=INTERNAL)
    trial = records.trial("The Yagublu case", visibility=INTERNAL)
    records.defendant(trial, person)
    official = records.official("Rauf Mammadov")
    allegation = factories.allegation(person, "torture", visibility=INTERNAL)
    turan = records.published_source("Turan")
    in_detention = records.involvement(official, detention=detention, visibility=INTERNAL)
    judge = records.involvement(
        official, InvolvementRole.TRIAL_JUDGE, trial=trial, visibility=INTERNAL
    )
    perpetrator = records.involvement(
        official, PERPETRATOR, allegation=allegation, visibility=INTERNAL, source=turan
    )
    elsewhere = records.involvement(official, visibility=INTERNAL)  # another person's case
    ids = case_record_ids(person)
    assert ids[Involvement] == {in_detention.pk, judge.pk, perpetrator.pk}
    assert elsewhere.pk not in ids[Involvement]
    assert (
        set(Citation.objects.filter(involvement=perpetrator).values_list("pk", flat=True))
        <= (ids[Citation])
    )
    chosen = {model: sorted(pks) for model, pks in ids.items()}
    with pytest.raises(ValidationError, match="second source from another publisher"):
        services.case_publish(person=person, chosen=chosen, visibility=PUBLIC)
    assert level_of(perpetrator) == INTERNAL and level_of(judge) == INTERNAL
    factories.cite(perpetrator, source_obj=records.published_source("Meydan TV"))
    chosen = {model: sorted(pks) for model, pks in case_record_ids(person).items()}
    services.case_publish(person=person, chosen=chosen, visibility=PUBLIC)
    assert {level_of(i) for i in (in_detention, judge, perpetrator)} == {PUBLIC}
    assert level_of(elsewhere) == INTERNAL


def test_restored_from_the_trash_without_two_publishers_it_comes_back_internal(staff_client):
    involvement = torture("Turan", "Meydan TV", level=PUBLIC)
    editor = User.objects.get(username="researcher")
    services.records_trash(queryset=Involvement.objects.filter(pk=involvement.pk), user=editor)
    meydan = Citation.objects.get(involvement=involvement, source__publisher__name="Meydan TV")
    services.records_trash(queryset=Citation.objects.filter(pk=meydan.pk), user=editor)
    services.records_restore_from_trash(
        queryset=Involvement.objects.filter(pk=involvement.pk), user=editor
    )
    assert level_of(involvement) == INTERNAL


def test_a_version_restored_without_two_publishers_is_refused(staff_client):
    involvement = torture("Turan", "Meydan TV", level=PUBLIC)
    editor = User.objects.get(username="researcher")
    public_version = InvolvementEvent.objects.filter(pgh_obj_id=involvement.pk).latest("pgh_id")
    meydan = Citation.objects.filter(involvement=involvement, source__publisher__name="Meydan TV")
    services.records_trash(queryset=meydan, user=editor)
    services.records_publish(
        queryset=Involvement.objects.filter(pk=involvement.pk), visibility=INTERNAL, user=editor
    )
    with pytest.raises(ValidationError, match="second source from another publisher"):
        services.record_restore_version(obj=involvement, event=public_version, user=editor)
    assert level_of(involvement) == INTERNAL


# --- what is blocked ------------------------------------------------------------------------


def test_needs_sources_and_the_audit_list_a_perpetrator_written_around_the_rule(staff_client):
    involvement = torture("Turan")
    Involvement.objects.filter(pk=involvement.pk).update(visibility=PUBLIC)  # around the rule
    fine = torture("Turan", "Meydan TV", level=PUBLIC)
    assert list(evidence.published_without_support(Involvement)) == [involvement]
    assert list(evidence.unsupported(Involvement, Reader.PUBLIC)) == [involvement]
    page = staff_client.get(reverse("admin:cases_needs_sources"))
    [group] = [g for g in page.context["groups"] if g["opts"].model is Involvement]
    assert [(row["fact"], row["partners"], row["public"]) for row in group["published"]] == [
        (involvement, True, False)
    ]
    assert fine not in [row["fact"] for row in group["published"] + group["internal"]]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit_evidence", stdout=out)
    assert str(involvement.uuid) in out.getvalue() and str(fine.uuid) not in out.getvalue()


def test_the_write_side_counts_publishers_as_the_policy_does():
    """has_two_publishers (the write side's one definition) against what the
    public sees of a public perpetrator: citations and sources of each level, in
    the trash or not, with or without a publisher, of one publisher or two."""
    turan, meydan = (records.published_source(name) for name in ("Turan", "Meydan TV"))
    unsigned = factories.source("Unsigned")
    internal_source = records.published_source("Meydan TV", visibility=INTERNAL)
    trashed = records.published_source("Meydan TV")
    trashed.deleted_at = trashed.created_at
    trashed.save()
    cases = [
        [(turan, PUBLIC), (meydan, PUBLIC)],
        [(turan, PUBLIC), (meydan, PARTNERS)],
        [(turan, PUBLIC), (turan, PUBLIC)],
        [(turan, PUBLIC), (unsigned, PUBLIC)],
        [(turan, PUBLIC), (internal_source, PUBLIC)],
        [(turan, PUBLIC), (trashed, PUBLIC)],
        [(meydan, PUBLIC), (records.published_source("OC Media"), PUBLIC)],
    ]
    for citations in cases:
        involvement = torture(level=PUBLIC)
        for source, level in citations:
            factories.cite(involvement, source_obj=source, visibility=level)
        stored = list(Citation.objects.filter(involvement=involvement))
        shown = visible(Involvement.objects.filter(pk=involvement.pk), Reader.PUBLIC).exists()
        assert evidence.has_two_publishers(stored) is shown, citations
    assert [evidence.has_two_publishers([]), evidence.has_two_publishers([], Reader.PARTNER)] == [
        False, False,
    ]  # fmt: skip


# --- who may publish --------------------------------------------------------------------------


def researcher() -> Client:
    """A researcher (not an editor) who may add and change officials' records."""
    roles_apply()
    user = User.objects.create_user("field", password="a-long-test-password-7", is_staff=True)
    user.groups.add(Group.objects.get(name=RESEARCHER))
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["officials", "trials"],
            codename__regex=r"^(add|change|view)_",
        )
    )
    return factories.staff_sign_in(Client(), user)


def test_a_researcher_cannot_set_a_level():
    involvement = torture("Turan", "Meydan TV")
    client = researcher()
    data = page_form(client, change_url(involvement))
    assert "visibility" not in data  # shown, not editable
    data.update({"visibility": PUBLIC, "description": "Named by two released prisoners."})
    assert client.post(change_url(involvement), data).status_code == 302
    involvement.refresh_from_db()
    assert (involvement.description, involvement.visibility) == (
        "Named by two released prisoners.", INTERNAL,
    )  # fmt: skip
    choose = {"action": "publish_public", "_selected_action": [involvement.pk], "index": 0}
    client.post(CHANGELIST, choose)
    assert level_of(involvement) == INTERNAL
    with pytest.raises(PermissionDenied):
        services.records_publish(
            queryset=Involvement.objects.filter(pk=involvement.pk), visibility=PUBLIC,
            user=User.objects.get(username="field"),
        )  # fmt: skip


# --- with real transactions -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_confirmed_bulk_publish_of_a_perpetrator_with_real_transactions(
    vocabularies, client, django_user_model, settings
):
    """The action as an editor runs it (the list, the confirmation with the
    password), with real commits: refused on one publisher, published on two."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    password = "editor-password-for-officials-1"
    user = django_user_model.objects.create_superuser("chief", "c@example.org", password)
    editor = factories.staff_sign_in(client, user)
    involvement = torture("Turan")
    choose = {"action": "publish_public", "_selected_action": [involvement.pk], "index": 0}
    refused = editor.post(CHANGELIST, choose, follow=True)
    assert SECOND_SOURCE in " ".join(str(m) for m in refused.context["messages"])
    assert level_of(involvement) == INTERNAL
    factories.cite(involvement, source_obj=records.published_source("Meydan TV"))
    confirmation = editor.post(CHANGELIST, choose)
    assert 'name="current_password"' in confirmation.content.decode()
    done = editor.post(CHANGELIST, {**choose, "post": "yes", "current_password": password})
    assert done.status_code == 302
    assert level_of(involvement) == PUBLIC
    assert visible(Involvement.objects.filter(pk=involvement.pk), Reader.PUBLIC).exists()
