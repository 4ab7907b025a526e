"""Entering a case from its source in one page (issue 15, item 1): the source
(stored, or new with its text pasted or extracted from a file), the person
(stored, or new, warned of likely duplicates as the name is typed), their name
spellings and affiliations, a detention with its charges and case events,
allegations and statements, and the passages of the source that support them,
each passage cited for every fact it supports. Nothing is written until the
whole is saved (cases.services.case_enter); a save that fails shows the page
again with every value typed."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import services
from cases.admin_bases import RECORD_BEING_ADDED, primary_key
from cases.choices import Confidence
from cases.models import (
    Affiliation,
    Allegation,
    CaseEvent,
    Charge,
    Detention,
    NameVariant,
    Person,
    Statement,
)
from cases.reads.duplicates import likely_same_persons
from cases.search import SearchQueryError
from cases.visibility import Reader, visible
from sources.extract import SOURCE_FILE_ACCEPT, source_file_kind, source_text
from sources.models import Citation, Source

ENTRY_PERMISSIONS = services.ENTRY_PERMISSIONS
NEW, STORED = "new", "stored"
MODE_CHOICES = ((NEW, gettext_lazy("a new one")), (STORED, gettext_lazy("one already recorded")))


def _autocomplete(model, field_name: str, *, multiple: bool = False):
    """The admin's search-as-you-type select (keyboard-friendly, no pop-up),
    searching the related model's admin (persons: by any spelling)."""
    widget = AutocompleteSelectMultiple if multiple else AutocompleteSelect
    return widget(model._meta.get_field(field_name), admin.site)


class _Form(forms.ModelForm):
    """Every part of the page: its optional rows (and the detention) are left
    out when nothing was typed in them."""

    use_required_attribute = False  # blank rows are allowed; the server decides


class SourceForm(_Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("Source"), choices=MODE_CHOICES, initial=NEW, widget=forms.RadioSelect
    )
    stored = forms.ModelChoiceField(
        label=gettext_lazy("Source already recorded"),
        queryset=Source.objects.filter(deleted_at__isnull=True),
        required=False,
        widget=_autocomplete(Citation, "source"),
    )
    kept_file = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Source
        fields = (
            "url", "title", "publisher", "published_on", "language", "kind", "archive_file",
            "archive_text", "is_confidential",
        )  # fmt: skip
        widgets = {
            "publisher": _autocomplete(Source, "publisher"),
            "archive_text": forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        }
        labels = {
            "archive_file": gettext_lazy("File (PDF, HTML or text)"),
            "archive_text": gettext_lazy("Text of the source"),
        }
        help_texts = {
            "archive_text": gettext_lazy(
                "Paste the text, or choose a file and its text appears here. Select a passage "
                "and press “Cite the selection” to cite it for the facts it supports."
            ),
        }

    def __init__(self, *args, user_pk=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["archive_file"].widget.attrs["accept"] = SOURCE_FILE_ACCEPT
        self.fields["kind"].required = False  # only a new source needs one
        self.user_pk = user_pk
        self.text_not_stored = False

    def clean_archive_file(self):
        file = self.cleaned_data.get("archive_file")
        if file and hasattr(file, "size"):
            source_file_kind(file)  # refuses what is not a PDF, HTML or text
        return file

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mode") == STORED:
            _forget_hidden_errors(self, keep={"mode", "stored", "archive_text"})
            if cleaned.get("stored") is None:
                self.add_error("stored", _("Choose the source, or enter a new one."))
            elif self.files.get(self.add_prefix("archive_file")):
                self.add_error(
                    "stored",
                    _(
                        "A file is stored with a new source; to add one to a source already "
                        "recorded, open the source's page."
                    ),
                )
        elif cleaned.get("mode") == NEW:
            token = cleaned.get("kept_file")
            if token and not cleaned.get("archive_file") and not _kept_name(token, self.user_pk):
                cleaned["kept_file"] = ""
                self.add_error(
                    "archive_file",
                    _(
                        "The file kept from the attempt that failed is no longer here (kept "
                        "for a day); choose it again."
                    ),
                )
            if not cleaned.get("kind"):
                self.add_error("kind", _("Say what kind of source this is."))
            if not (
                cleaned.get("url") or cleaned.get("archive_file") or cleaned.get("kept_file")
                or (cleaned.get("archive_text") or "").strip() or cleaned.get("title")
            ):  # fmt: skip
                self.add_error(
                    "url", _("Give the source's address, a file, its text or at least a title.")
                )
        return cleaned

    def _post_clean(self):
        if self.cleaned_data.get("mode") == NEW:
            super()._post_clean()

    def source(self) -> Source:
        """The chosen stored source, or the new one (unsaved)."""
        if self.cleaned_data["mode"] == STORED:
            source = self.cleaned_data["stored"]
            text = (self.cleaned_data.get("archive_text") or "").strip()
            if text and not source.archive_text.strip():
                source.archive_text = text  # kept with the source: it had none
            elif text and text != source.archive_text.strip():
                self.text_not_stored = True  # said after saving: its page changes it
            return source
        source = self.instance
        if not source.archive_file and self.cleaned_data.get("kept_file"):
            source.archive_file = _kept_file(self.cleaned_data["kept_file"], self.user_pk)
        if source.archive_file and not source.archive_text.strip():
            try:
                source.archive_text = source_text(source.archive_file)
            except ValidationError:
                pass  # a PDF without a text layer: the file is kept, the text typed
        return source


class PersonForm(_Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("Person"), choices=MODE_CHOICES, initial=NEW, widget=forms.RadioSelect
    )
    stored = forms.ModelChoiceField(
        label=gettext_lazy("Person already recorded"),
        queryset=Person.objects.filter(deleted_at__isnull=True),
        required=False,
        widget=_autocomplete(Allegation, "person"),
    )
    not_a_duplicate = forms.BooleanField(
        label=gettext_lazy("None of the persons listed: this is someone else"), required=False
    )

    class Meta:
        model = Person
        fields = (
            "display_name", "gender", "birth_date", "reported_age", "reported_age_on",
            "citizenship", "occupations", "summary",
        )  # fmt: skip
        widgets = {
            "occupations": _autocomplete(Person, "occupations", multiple=True),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = False  # only a new person needs one
        self.fields["display_name"].widget.attrs["autocomplete"] = "off"
        self.likely = []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mode") == STORED:
            _forget_hidden_errors(self, keep={"mode", "stored"})
            if cleaned.get("stored") is None:
                self.add_error("stored", _("Choose the person, or enter a new one."))
        elif cleaned.get("mode") == NEW:
            name = (cleaned.get("display_name") or "").strip()
            if not name:
                self.add_error("display_name", _("Give the person's name as usually written."))
            elif not cleaned.get("not_a_duplicate"):
                self.likely = _likely(name, self.variant_names)
                if self.likely:
                    self.add_error(
                        "display_name",
                        _(
                            "This name matches persons already recorded (listed below): choose "
                            "one as the person, or tick “%(tick)s”."
                        )
                        % {"tick": self.fields["not_a_duplicate"].label},
                    )
        return cleaned

    variant_names: list[str] = []

    def _post_clean(self):
        if self.cleaned_data.get("mode") == NEW:
            super()._post_clean()

    def person(self) -> Person:
        return self.cleaned_data["stored"] if self.cleaned_data["mode"] == STORED else self.instance


def _forget_hidden_errors(form, *, keep: set[str]) -> None:
    """A stored record is chosen: what was typed for a new one is hidden on the
    page and not saved, so its errors must not stop the save."""
    for name in list(form._errors):
        if name not in keep and name in form.fields:
            del form._errors[name]
            form.cleaned_data.pop(name, None)


def _likely(name: str, variants: list[str]) -> list[Person]:
    found: dict[int, Person] = {}
    for typed in [name, *variants]:
        try:  # one spelling no search accepts (a pasted paragraph) does not stop the check
            for person in likely_same_persons([typed]):
                found.setdefault(person.pk, person)
        except SearchQueryError:
            continue
    return list(found.values())[:5]


class VariantForm(_Form):
    class Meta:
        model = NameVariant
        fields = ("name", "language", "kind")


class AffiliationForm(_Form):
    class Meta:
        model = Affiliation
        fields = ("organization", "role", "started_on", "ended_on")
        widgets = {"organization": _autocomplete(Affiliation, "organization")}


class DetentionForm(_Form):
    class Meta:
        model = Detention
        fields = (
            "arrested_on", "arrest_place", "arresting_authority", "legal_stage", "facility",
            "summary",
        )  # fmt: skip
        widgets = {
            "arresting_authority": _autocomplete(Detention, "arresting_authority"),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }


class ChargeForm(_Form):
    class Meta:
        model = Charge
        fields = ("article", "description")


class EventForm(_Form):
    class Meta:
        model = CaseEvent
        fields = ("kind", "occurred_on", "organization", "sentence_months", "description")
        widgets = {
            "organization": _autocomplete(CaseEvent, "organization"),
            "description": forms.Textarea(attrs={"rows": 1}),
        }


class AllegationForm(_Form):
    # the rest (when it ended, a count, the perpetrator organization) on the allegation's page
    class Meta:
        model = Allegation
        fields = (
            "kind", "started_on", "reported_by_description", "perpetrator", "status",
            "description",
        )  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 1})}

    def _post_clean(self):
        # the person is the case's, set on saving: not "no one" while the row is checked
        self.instance.person_id = RECORD_BEING_ADDED
        try:
            super()._post_clean()
        finally:
            self.instance.person_id = None


class StatementForm(_Form):
    class Meta:
        model = Statement
        fields = ("kind", "issued_on", "title", "issuer_organization", "speaker", "quote")
        widgets = {
            "issuer_organization": _autocomplete(Statement, "issuer_organization"),
            "quote": forms.Textarea(attrs={"rows": 1}),
        }


class PassageForm(forms.Form):
    excerpt = forms.CharField(
        label=gettext_lazy("Passage"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    locator = forms.CharField(label=gettext_lazy("Locator"), max_length=200, required=False)
    confidence = forms.ChoiceField(
        label=gettext_lazy("Confidence"), choices=Confidence.choices, initial=Confidence.MEDIUM
    )
    claim = forms.CharField(
        label=gettext_lazy("What it says about the person"),
        max_length=200,
        required=False,
        initial=gettext_lazy("name"),
        help_text=gettext_lazy("When the person is one of the facts: name, occupation, age..."),
    )
    facts = forms.CharField(required=False, widget=forms.HiddenInput)

    use_required_attribute = False

    def fact_keys(self) -> list[str]:
        return [key for key in self.cleaned_data.get("facts", "").split(",") if key]


# The facts a passage may support, by the key the page gives them: "person",
# "detention", or a row of one of these lists ("events-1"). A charge is cited
# through its detention.
ROWS = (
    ("variants", VariantForm, gettext_lazy("Other spellings of the name")),
    ("affiliations", AffiliationForm, gettext_lazy("Affiliations")),
    ("charges", ChargeForm, gettext_lazy("Charges")),
    ("events", EventForm, gettext_lazy("Case events (decisions, hearings, transfers...)")),
    ("allegations", AllegationForm, gettext_lazy("Allegations (torture, ill-treatment...)")),
    ("statements", StatementForm, gettext_lazy("Statements (calls for release, reactions...)")),
)
CITABLE_ROWS = ("affiliations", "charges", "events", "allegations", "statements")


PENDING = "sources/pending/"
PENDING_HOURS = 24


def _kept_name(token: str, user_pk) -> str | None:
    """The stored name a signed token from the page names, if it is still kept
    and was kept for this staff member."""
    try:
        kept = signing.loads(token, salt="case-entry-file", max_age=PENDING_HOURS * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(kept, dict) or kept.get("user") != user_pk:
        return None
    name = kept.get("name")
    if not isinstance(name, str) or not name.startswith(PENDING) or ".." in name:
        return None
    return name if default_storage.exists(name) else None


def _kept_file(token: str, user_pk):
    """The file of a save that failed, kept in storage under a signed name so it
    need not be chosen again (see CaseEntryPage.keep_file)."""
    name = _kept_name(token, user_pk)
    if name is None:
        return None
    with default_storage.open(name) as stored:
        return ContentFile(stored.read(), name=name.rsplit("/", 1)[-1])


def _forget_pending(*, older_than_hours: int = PENDING_HOURS) -> None:
    """Files kept for saves that were never retried go after a day."""
    try:
        _dirs, names = default_storage.listdir(PENDING)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - datetime.timedelta(hours=older_than_hours)
    for name in names:
        if default_storage.get_modified_time(PENDING + name) < cutoff:
            default_storage.delete(PENDING + name)


class _RowsFormSet(forms.BaseFormSet):
    """Rows the page adds and removes: a removed row is marked, not renumbered,
    so that the passages citing rows by their number keep pointing at them."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"] = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _rows(form_class, *, extra: int):
    return forms.formset_factory(
        form_class, formset=_RowsFormSet, extra=extra, can_delete=True, can_delete_extra=True
    )


def _kept(form) -> bool:
    """A row with something typed in it that was not removed."""
    if not form.has_changed():
        return False
    return not form.fields["DELETE"].clean(form["DELETE"].value())


class CaseEntryPage:
    """One request of the page: its forms, bound or not, and what they build."""

    def __init__(
        self,
        request,
        *,
        initial_source: Source | None = None,
        initial_person: Person | None = None,
    ):
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        source_initial = (
            {"mode": STORED, "stored": initial_source, "archive_text": initial_source.archive_text}
            if initial_source
            else {}
        )
        self.source = SourceForm(
            data, files, prefix="source", initial=source_initial, user_pk=request.user.pk
        )
        person_initial = {"mode": STORED, "stored": initial_person} if initial_person else {}
        self.person = PersonForm(data, prefix="person", initial=person_initial)
        self.detention = DetentionForm(data, prefix="detention", empty_permitted=True)
        self.rows = {
            prefix: _rows(form_class, extra=1)(data, prefix=prefix)
            for prefix, form_class, _title in ROWS
        }
        self.passages = _rows(PassageForm, extra=0)(data, prefix="passages")
        self.errors: list[str] = []

    @property
    def forms(self):
        return [self.source, self.person, self.detention, *self.rows.values(), self.passages]

    def filled(self, prefix: str) -> list[tuple[int, forms.Form]]:
        """The rows of a list with something typed in them, with their index."""
        return [
            (index, form)
            for index, form in enumerate(self.rows[prefix].forms)
            if _kept(form) and form.is_valid()
        ]

    def is_valid(self) -> bool:
        self.person.variant_names = [
            (form.data.get(form.add_prefix("name")) or "").strip()
            for form in self.rows["variants"].forms
            if not form.fields["DELETE"].clean(form["DELETE"].value())
        ]
        valid = all(form.is_valid() for form in self.forms)
        has_detention = self.detention.is_valid() and self.detention.has_changed()
        if not has_detention and (self.filled("charges") or self.filled("events")):
            self.detention.add_error(
                None, _("Enter the detention that the charges and case events belong to.")
            )
            valid = False
        for number, passage in enumerate(self.passages.forms, start=1):
            if not passage.is_valid() or not _kept(passage):
                continue
            if not passage.cleaned_data["excerpt"].strip():
                passage.add_error("excerpt", _("Select or type the passage."))
                valid = False
            keys = passage.fact_keys()
            if not keys:
                passage.add_error(None, _("Tick the facts this passage supports."))
                valid = False
            for key in keys:
                if self._fact_row(key) is None:
                    passage.add_error(
                        None,
                        _(
                            "Passage %(number)s cites %(fact)s, which is empty or was "
                            "removed; untick it or fill it in."
                        )
                        % {"number": number, "fact": key},
                    )
                    valid = False
        return valid

    def _fact_row(self, key: str):
        """The form a fact key names, when it has something in it."""
        if key == "person":
            return self.person
        if key == "detention":
            return self.detention if self.detention.has_changed() else None
        prefix, _dash, index = key.rpartition("-")
        if prefix in CITABLE_ROWS and primary_key(index) is not None:
            forms_ = self.rows[prefix].forms
            position = int(index)
            if position < len(forms_) and _kept(forms_[position]):
                return forms_[position]
        return None

    def entry(self) -> services.CaseEntry:
        """The case to save, from the valid page."""
        detention = self.detention.instance if self.detention.has_changed() else None
        instances = {
            prefix: [form.instance for _index, form in self.filled(prefix)]
            for prefix, _form, _title in ROWS
        }
        person = self.person.person()
        occupations = (
            list(self.person.cleaned_data.get("occupations") or []) if person.pk is None else []
        )
        passages = []
        for passage in self.passages.forms:
            if not _kept(passage):
                continue
            facts = []
            for key in passage.fact_keys():
                form = self._fact_row(key)
                if key == "person":
                    fact = person
                elif key.startswith("charges-"):
                    fact = detention
                else:
                    fact = form.instance
                if fact is not None and fact not in facts:
                    facts.append(fact)
            passages.append(
                services.Passage(
                    excerpt=passage.cleaned_data["excerpt"].strip(),
                    locator=passage.cleaned_data["locator"].strip(),
                    confidence=passage.cleaned_data["confidence"],
                    claim=(passage.cleaned_data["claim"] or "").strip() or _("name"),
                    facts=facts,
                )
            )
        return services.CaseEntry(
            source=self.source.source(),
            person=person,
            occupations=occupations,
            variants=instances["variants"],
            affiliations=instances["affiliations"],
            detention=detention,
            charges=instances["charges"],
            events=instances["events"],
            allegations=instances["allegations"],
            statements=instances["statements"],
            passages=passages,
        )

    def keep_file(self) -> None:
        """A save failed: keep the uploaded file, so that it need not be chosen
        again (the browser cannot put it back in the file box)."""
        file = self.source.files.get(self.source.add_prefix("archive_file"))
        if not file:
            return
        try:
            source_file_kind(file)
        except ValidationError:
            return  # refused: nothing to keep
        _forget_pending()
        name = default_storage.save(PENDING + file.name, file)
        data = self.source.data.copy()
        data[self.source.add_prefix("kept_file")] = signing.dumps(
            {"name": name, "user": self.source.user_pk}, salt="case-entry-file"
        )
        self.source.data = data
        self.source.kept_name = file.name

    def forget_kept_file(self) -> None:
        """The case is saved with the kept file (stored anew with the source)."""
        token = self.source.data.get(self.source.add_prefix("kept_file"), "")
        name = _kept_name(token, self.source.user_pk) if token else None
        if name:
            default_storage.delete(name)


class CaseEntryMixin:
    """For the person admin: /enter-case/ and the small requests its script makes."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("enter-case/", view(self.case_entry_view), name="cases_case_entry"),
            path(
                "enter-case/matches/",
                view(self.case_entry_matches),
                name="cases_case_entry_matches",
            ),
            path(
                "enter-case/extract/",
                view(self.case_entry_extract),
                name="cases_case_entry_extract",
            ),
            path(
                "enter-case/source-text/",
                view(self.case_entry_source_text),
                name="cases_case_entry_source_text",
            ),
            *super().get_urls(),
        ]

    def _require_entry(self, request) -> None:
        if not all(request.user.has_perm(permission) for permission in ENTRY_PERMISSIONS):
            raise PermissionDenied

    def case_entry_view(self, request):
        self._require_entry(request)
        # from a source's page or a person's page: that one is already chosen
        source = Source.objects.filter(pk=primary_key(request.GET.get("source")))
        person = Person.objects.filter(pk=primary_key(request.GET.get("person")))
        page = CaseEntryPage(
            request,
            initial_source=visible(source, Reader.STAFF).first(),
            initial_person=visible(person, Reader.STAFF).first(),
        )
        if request.method == "POST":
            if page.is_valid():
                try:
                    person = services.case_enter(entry=page.entry(), user=request.user)
                except ValidationError as error:
                    page.errors = error.messages
                except IntegrityError as error:  # a constraint met by another save meanwhile
                    page.errors = [_("The database refused the case: %(error)s") % {"error": error}]
                except PermissionDenied as error:
                    page.errors = [str(error) or _("You do not have the right to do this.")]
                else:
                    page.forget_kept_file()
                    if page.source.text_not_stored:
                        self.message_user(
                            request,
                            _(
                                "The source already had a text; the text on the page was used "
                                "to cite but not stored. Change the source's text on its page."
                            ),
                            messages.WARNING,
                        )
                    self.message_user(
                        request,
                        _(
                            "The case of %(name)s is saved, all of it internal. Choose below "
                            "what to publish."
                        )
                        % {"name": person},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:cases_person_publish_case", args=[person.pk])
                    )
            page.keep_file()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enter a case from its source"),
            "opts": self.opts,
            "page": page,
            "rows": [
                (prefix, title, page.rows[prefix], prefix in CITABLE_ROWS)
                for prefix, _form, title in ROWS
            ],
            "failed": request.method == "POST",
            "media": self._entry_media(page),
            "likely": page.person.likely,
            "words": {
                "person": _("Person"),
                "detention": _("Detention and charges"),
                "noSelection": _(
                    "Select a passage of the text first (with the mouse, or Shift and the "
                    "arrow keys)."
                ),
                "added": _("Passage added: tick the facts it supports."),
                "noFacts": _("Enter a fact first: the person, the detention or a row."),
                "page": _("p."),
                "paragraph": _("para."),
                "reading": _("Reading the file…"),
                "read": _("The text of the file is in the box below."),
                "notReplaced": _(
                    "The box holds text you typed or pasted, so the file's text was not put "
                    "there: empty the box and choose the file again to read it."
                ),
                "useThis": _("Use this person"),
                "removed": _("Removed."),
            },
        }
        return TemplateResponse(request, "admin/cases/person/case_entry.html", context)

    @staticmethod
    def _entry_media(page: CaseEntryPage):
        media = forms.Media(js=["admin/js/vendor/jquery/jquery.js", "admin/js/jquery.init.js"])
        for form in page.forms:
            media += form.media
        return media + forms.Media(
            js=["casebook/case_entry.js"], css={"all": ["casebook/case_entry.css"]}
        )

    def case_entry_matches(self, request):
        """Persons already recorded whose name is like the one being typed."""
        self._require_entry(request)
        names = [name for name in request.GET.getlist("name") if name.strip()][:20]
        try:
            persons = likely_same_persons(names) if names else []
        except SearchQueryError as error:
            return JsonResponse({"error": str(error), "persons": []})
        return JsonResponse(
            {
                "persons": [
                    {
                        "id": person.pk,
                        "name": person.display_name,
                        "spellings": [variant.name for variant in person.name_variants.all()],
                        "url": reverse("admin:cases_person_change", args=[person.pk]),
                    }
                    for person in persons
                ]
            }
        )

    def case_entry_extract(self, request):
        """The text of a file chosen on the page (not stored: that happens on saving)."""
        self._require_entry(request)
        file = request.FILES.get("file")
        if request.method != "POST" or file is None:
            return JsonResponse({"error": _("Send the file as “file” in a POST.")}, status=400)
        try:
            return JsonResponse({"text": source_text(file)})
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)

    def case_entry_source_text(self, request):
        """The stored text of a source picked on the page."""
        self._require_entry(request)
        key = primary_key(request.GET.get("id"))
        source = visible(Source.objects.filter(pk=key), Reader.STAFF).first() if key else None
        if source is None:
            return JsonResponse({"error": _("No such source.")}, status=404)
        return JsonResponse({"text": source.archive_text, "title": str(source)})
