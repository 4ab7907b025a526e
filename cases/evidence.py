"""The evidence rule for writes: a fact (cases.visibility.CITED_FACTS) is made
partners-level or public only when it has a citation that level's reader may see.

"May see" is the visibility policy's own definition (`visibility_q(Citation,
reader)`: the citation and its source at that level or wider, neither in the
trash; a confidential source counts, masked). Every write that sets a level goes
through here: the publish service, the admin's forms and bulk actions, restores,
the case-sheet import; `audit_evidence` and the admin's *Needs sources* page list
what is blocked or was written around the rule (raw SQL, old data). Lowering a
level is never refused: taking a fact out of view must not wait for evidence.

An involvement as alleged perpetrator (officials.choices.TWO_PUBLISHER_ROLES) is
made public only when the citations a public reader may see come from sources of
at least two different publishers (`has_two_publishers`); partners see it on one
citation, as any fact. The policy hides it from the public on the same count
(cases.visibility, TWO_PUBLISHER_FACTS), so what the rule lets through is shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.choices import Visibility
from cases.models import CaseEvent, Detention
from cases.partial_dates import PartialDate
from cases.visibility import (
    CITED_FACTS,
    TWO_PUBLISHER_FACTS,
    Reader,
    _cited_q,
    visibility_q,
    visible,
    visible_levels,
)
from officials.choices import TWO_PUBLISHER_ROLES, TWO_PUBLISHERS
from sources.models import Citation, Source

# The levels the rule guards, each with the reader who sees a fact at that level.
GUARDED_LEVELS: dict[str, Reader] = {
    Visibility.PARTNERS: Reader.PARTNER,
    Visibility.PUBLIC: Reader.PUBLIC,
}
# How widely each level shows a record: lowering is moving to a smaller number.
_REACH = {Visibility.INTERNAL: 0, Visibility.PARTNERS: 1, Visibility.PUBLIC: 2}


# --- which records are facts ------------------------------------------------------------


def fact_models() -> list[type[Model]]:
    """Every model the rule covers, in the policy's order: the models a Citation
    field of `CITED_FACTS` points at (a new fact joins by being added there)."""
    return [Citation._meta.get_field(field).related_model for field in CITED_FACTS.values()]


def is_fact(model: type[Model]) -> bool:
    return model._meta.model_name in CITED_FACTS


def citation_field(model: type[Model]) -> str:
    """The Citation field that points at facts of `model` ("case_event")."""
    return CITED_FACTS[model._meta.model_name]


def describe_fact(fact: Model) -> str:
    """The fact as a message names it: its kind and what it is."""
    return f"{capfirst(fact._meta.verbose_name)} “{fact}”"


def is_lowering(stored: str | None, new: str) -> bool:
    """Moving a fact to a level fewer readers see (public to partners): never refused."""
    return stored is not None and _REACH[new] < _REACH[stored]


def is_guarded(stored: str | None, new: str) -> bool:
    """Whether a write that leaves a fact at `new` (from `stored`, None for a new
    fact) must pass the rule: partners or public, and not a lowering."""
    return new in GUARDED_LEVELS and not is_lowering(stored, new)


def supported_q(model: type[Model], reader: Reader) -> Q:
    """The condition on facts of `model` under which `reader` may see them on
    their evidence: a citation that reader may see and, for the public, an
    alleged perpetrator's sources from two publishers. The policy's own rule 3
    (cases.visibility), so the write side and the read side cannot disagree."""
    return _cited_q(model, reader, "")


def _support(model: type[Model], reader: Reader) -> Coalesce:
    """`supported_q` as a value, FALSE rather than NULL: the policy's publisher
    count is NULL when no visible source names a publisher, and NOT NULL would
    leave such a fact out of the lists of what is blocked."""
    return Coalesce(
        ExpressionWrapper(supported_q(model, reader), output_field=BooleanField()), Value(False)
    )


def _unsupported_q(model: type[Model], reader: Reader) -> Q:
    """Not `supported_q`. NOT EXISTS for most facts (an anti-join); the
    two-publisher facts through `_support`, so that NULL counts as not supported."""
    if model._meta.model_name in TWO_PUBLISHER_FACTS and reader is Reader.PUBLIC:
        return Q(Exact(_support(model, reader), False))
    return ~supported_q(model, reader)


# --- two publishers ---------------------------------------------------------------------


def needs_two_publishers(fact: Model, visibility: str) -> bool:
    """Whether `fact` at `visibility` needs sources from two publishers: a public
    involvement in a role of officials.choices.TWO_PUBLISHER_ROLES."""
    return (
        visibility == Visibility.PUBLIC
        and type(fact)._meta.model_name in TWO_PUBLISHER_FACTS
        and getattr(fact, "role", None) in TWO_PUBLISHER_ROLES
    )


def publishers_of(citations: Iterable[Citation], reader: Reader) -> set[int]:
    """The publishers (Organization ids) of the sources of those `citations`
    (saved or not, as a form would leave them) that `reader` may see: the
    citation's own level and trash, then its source's through the policy. A source
    without a publisher names none. One query (none without such a citation)."""
    own = [c for c in citations if c.deleted_at is None and c.visibility in visible_levels(reader)]
    sources = {c.source_id for c in own if c.source_id is not None}
    if not sources:
        return set()
    return set(
        visible(Source.objects.filter(pk__in=sources, publisher__isnull=False), reader)
        .values_list("publisher_id", flat=True)
        .distinct()
    )


def has_two_publishers(citations: Iterable[Citation], reader: Reader = Reader.PUBLIC) -> bool:
    """Whether the citations `reader` may see come from sources of at least two
    different publishers (officials.choices.TWO_PUBLISHERS): the count the policy
    makes for the public (cases.visibility), and the write side's one definition.
    tests/test_involvement_evidence.py checks that the two agree."""
    return len(publishers_of(citations, reader)) >= TWO_PUBLISHERS


def two_publishers_message(fact: Model, publishers: int) -> str:
    """Why an alleged perpetrator's involvement may not be made public: what it
    is, which fact of a case it is in, how many publishers its public sources
    have, and what is needed (a second source from another publisher)."""
    values = {
        "fact": describe_fact(fact),
        "in": _the_fact_it_is_in(fact),
        "role": fact.get_role_display() if hasattr(fact, "get_role_display") else "",
        "n": publishers,
        "needed": TWO_PUBLISHERS,
    }
    if not publishers:
        return (
            _(
                "%(fact)s (in %(in)s): as %(role)s it is made public only on sources from at "
                "least %(needed)d different publishers, and no source a public reader may see "
                "names its publisher. Give each source its publisher, and cite sources from two "
                "different publishers, before making it public (partners may see it on one "
                "citation)."
            )
            % values
        )
    return (
        ngettext(
            "%(fact)s (in %(in)s): as %(role)s it is made public only on sources from at least "
            "%(needed)d different publishers; the citations a public reader may see come from "
            "%(n)d publisher. Add a second source from another publisher before making it public "
            "(partners may see it on one citation).",
            "%(fact)s (in %(in)s): as %(role)s it is made public only on sources from at least "
            "%(needed)d different publishers; the citations a public reader may see come from "
            "%(n)d publishers. Add a second source from another publisher before making it public "
            "(partners may see it on one citation).",
            publishers,
        )
        % values
    )


def _the_fact_it_is_in(involvement: Model) -> str:
    """The fact of a case an involvement is in, as a message names it ("—" while
    a form has none chosen)."""
    try:
        return describe_fact(involvement.fact)
    except (AttributeError, StopIteration, ObjectDoesNotExist):
        return "—"


def _two_publishers_problems(fact: Model, visibility: str, citations: list[Citation]) -> list[str]:
    if not needs_two_publishers(fact, visibility):
        return []
    publishers = publishers_of(citations, GUARDED_LEVELS[visibility])
    if len(publishers) >= TWO_PUBLISHERS:
        return []
    return [two_publishers_message(fact, len(publishers))]


# --- the rule ---------------------------------------------------------------------------


def _reader_words(reader: Reader) -> str:
    return _("a public reader") if reader is Reader.PUBLIC else _("a partner")


def _action_words(visibility: str) -> str:
    return (
        _("making it public") if visibility == Visibility.PUBLIC else _("sharing it with partners")
    )


def refusal_message(fact: Model, visibility: str, citations: int) -> str:
    """What is missing, for the person about to publish: the fact, the reader who
    could not check it, and what to do. `citations`: how many (of any level) it has."""
    reader = GUARDED_LEVELS[visibility]
    values = {
        "fact": describe_fact(fact),
        "reader": _reader_words(reader),
        "action": _action_words(visibility),
        "n": citations,
    }
    if not citations:
        return (
            _(
                "%(fact)s: no citation %(reader)s may see; add a citation to a source "
                "%(reader)s may see before %(action)s."
            )
            % values
        )
    levels = (
        _("both public")
        if visibility == Visibility.PUBLIC
        else _("both shared with partners or public")
    )
    return ngettext(
        "%(fact)s: its citation is not one %(reader)s may see (the citation and its source "
        "must be %(levels)s, neither in the trash); publish it with its source, or add one, "
        "before %(action)s.",
        "%(fact)s: none of its %(n)s citations is one %(reader)s may see (a citation and its "
        "source must be %(levels)s, neither in the trash); publish one with its source, or "
        "add one, before %(action)s.",
        citations,
    ) % {**values, "levels": levels}


def _may_be_seen(citations: Iterable[Citation], reader: Reader) -> bool:
    """Whether any of these citations (saved or not, as a form would leave them)
    passes `visibility_q(Citation, reader)`: its own level and trash, then its
    source's through the policy. tests/test_evidence_rule.py checks that this
    agrees with visibility_q for every combination of levels and trash."""
    own = [c for c in citations if c.deleted_at is None and c.visibility in visible_levels(reader)]
    sources = {c.source_id for c in own if c.source_id is not None}
    return bool(sources) and visible(Source.objects.filter(pk__in=sources), reader).exists()


def publication_problems(
    fact: Model,
    visibility: str,
    *,
    stored_visibility: str | None = None,
    citations: Iterable[Citation] | None = None,
) -> list[str]:
    """Why `fact` may not be saved at `visibility` (no message: it may).

    `stored_visibility` is its level before this write (None for a new fact);
    `citations` the fact's citations as the form saving it would leave them
    (rows being added, changed or kept; not those being removed), or None for
    its citations as stored."""
    if not is_fact(type(fact)) or not is_guarded(stored_visibility, visibility):
        return []
    reader = GUARDED_LEVELS[visibility]
    if citations is None:
        if fact.pk is None:
            return [refusal_message(fact, visibility, 0)]
        stored = Citation.objects.filter(**{citation_field(type(fact)): fact.pk})
        if not stored.filter(visibility_q(Citation, reader)).exists():
            count = stored.filter(deleted_at__isnull=True).count()
            return [refusal_message(fact, visibility, count)]
        citations = list(stored)
    else:
        citations = [c for c in citations if c.deleted_at is None]
        if not _may_be_seen(citations, reader):
            return [refusal_message(fact, visibility, len(citations))]
    two_publishers = _two_publishers_problems(fact, visibility, citations)
    if two_publishers:
        return two_publishers
    if not _enters_a_release(fact, stored_visibility, visibility):
        return []
    return release_problems(fact, visibility, citations)


def _enters_a_release(fact: Model, stored_visibility: str | None, visibility: str) -> bool:
    """Whether this write shows a release to readers who did not see it: a new
    detention with a release date, a release date set or changed, or a released
    detention raised to a wider level. An edit of something else on a detention
    whose release was published before the rule is not held up by it."""
    release = getattr(fact, "released_on_partial", None)
    if not isinstance(fact, Detention) or release is None:
        return False
    if fact.pk is None or stored_visibility != visibility:
        return True
    stored = Detention.objects.filter(pk=fact.pk).values_list(
        "released_on", "released_on_precision"
    )
    return list(stored) != [(release.date, release.precision)]


def release_problems(fact: Model, visibility: str, citations: list[Citation]) -> list[str]:
    """A release is a fact of its own (the timeline's release line, the status
    "released"): a detention with a release date at partners or public level
    needs, among its citations (or its release events'), one that level's reader
    may see from a source not older than the release (an undated source
    counts: its age is not known). A source of May 2023 cannot report a release
    of March 2025."""
    release = getattr(fact, "released_on_partial", None)
    if not isinstance(fact, Detention) or release is None:
        return []
    reader = GUARDED_LEVELS[visibility]
    if fact.pk is not None:
        events = visible(
            CaseEvent.objects.filter(detention=fact, kind__code="released"), Reader.STAFF
        )
        citations = [*citations, *Citation.objects.filter(case_event__in=events)]
    own = [c for c in citations if c.deleted_at is None and c.visibility in visible_levels(reader)]
    dates = visible(Source.objects.filter(pk__in={c.source_id for c in own}), reader).values_list(
        "published_on", "published_on_precision"
    )
    if any(day is None or PartialDate(day, precision).end >= release.start
           for day, precision in dates):  # fmt: skip
        return []
    return [
        _(
            "%(fact)s: no citation %(reader)s may see is from a source as new as the release "
            "(%(release)s); cite the source that reports the release before %(action)s."
        )
        % {
            "fact": describe_fact(fact),
            "reader": _reader_words(reader),
            "release": release.isoformat(),
            "action": _action_words(visibility),
        }
    ]


@dataclass(frozen=True)
class Refusal:
    """A fact that a write would leave at a level without evidence for it."""

    fact: Model
    visibility: str
    message: str

    def __str__(self) -> str:
        return self.message


def _with_evidence(queryset: QuerySet) -> QuerySet:
    """The facts with what the rule reads: whether a partner and the public may see
    a citation of each, and how many citations each has (not in the trash)."""
    model = queryset.model
    field = citation_field(model)
    counted = (
        Citation.objects.filter(**{field: OuterRef("pk")}, deleted_at__isnull=True)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    annotations = {
        f"cited_for_{level}": _support(model, reader) for level, reader in GUARDED_LEVELS.items()
    }
    return queryset.select_related(*_named_with(model)).annotate(
        citation_count=counted, **annotations
    )


def _named_with(model: type[Model]) -> list[str]:
    """The records a fact's name reads, for `select_related`: its keys, and the
    keys those records cannot be without (a custody period is named by its
    detention's person: "Bakhtiyar Hajiyev @ Prison No. 13")."""
    related = []
    for field in model._meta.concrete_fields:
        if not field.many_to_one:
            continue
        related.append(field.name)
        related += [
            f"{field.name}__{parent.name}"
            for parent in field.related_model._meta.concrete_fields
            if parent.many_to_one and not parent.null
        ]
    return related


def publication_refusals(queryset: QuerySet, visibility: str | None = None) -> list[Refusal]:
    """The facts of `queryset` that may not be set to `visibility` (None: each
    kept at its own level, as a restore from the trash does), in one query.
    Empty for records that are not facts."""
    model = queryset.model
    if not is_fact(model):
        return []
    # the rows the queryset selects, then those rows alone (an admin list's queryset
    # may be DISTINCT or joined across relations)
    chosen = model.objects.filter(pk__in=queryset.order_by().values("pk"))
    refusals = []
    for fact in _with_evidence(chosen.order_by("pk")):
        level = visibility or fact.visibility
        stored = None if visibility is None else fact.visibility
        if not is_guarded(stored, level):
            continue
        if not getattr(fact, f"cited_for_{level}"):
            refusals += [Refusal(fact, level, message) for message in _unsupported_why(fact, level)]
        elif stored is not None and stored != level and getattr(fact, "released_on", None):
            # raised to a wider level: its release is shown to new readers, and needs
            # a source too (a query for each released detention)
            citations = list(Citation.objects.filter(**{citation_field(model): fact.pk}))
            for message in release_problems(fact, level, citations):
                refusals.append(Refusal(fact, level, message))
    return refusals


def _unsupported_why(fact: Model, level: str) -> list[str]:
    """Why a fact read by `_with_evidence` without support for `level` is refused:
    no citation that level may see, or (an alleged perpetrator made public) its
    citations' sources from fewer than two publishers (a query or two: refusals only)."""
    if needs_two_publishers(fact, level):
        citations = list(Citation.objects.filter(**{citation_field(type(fact)): fact.pk}))
        if _may_be_seen(citations, GUARDED_LEVELS[level]):
            return _two_publishers_problems(fact, level, citations)
    return [refusal_message(fact, level, fact.citation_count or 0)]


# --- what is blocked --------------------------------------------------------------------


def unsupported(model: type[Model], reader: Reader) -> QuerySet:
    """The facts of `model` (not in the trash) with no citation `reader` may see
    (or, for an alleged perpetrator and the public, no two publishers): those that
    cannot be shown to that reader, whatever their level."""
    return model.objects.filter(deleted_at__isnull=True).filter(_unsupported_q(model, reader))


def published_without_support(model: type[Model]) -> QuerySet:
    """The partners-level and public facts of `model` without a citation their
    level's reader may see (a public alleged perpetrator: from two publishers):
    written around the rule (raw SQL, older data) or left so when their evidence
    was withdrawn. `audit_evidence` exits 1 on any."""
    condition = Q()
    for level, reader in GUARDED_LEVELS.items():
        condition |= Q(visibility=level) & _unsupported_q(model, reader)
    return model.objects.filter(deleted_at__isnull=True).filter(condition)


@dataclass
class BlockedFacts:
    """One kind of fact on the *Needs sources* page: published facts without
    evidence for their level, and internal ones that could not be made public."""

    model: type[Model]
    published: list[Model]  # each with cited_for_partners / cited_for_public
    published_count: int
    internal: list[Model]
    internal_count: int


def blocked_facts(model: type[Model], *, limit: int = 100) -> BlockedFacts:
    """What an editor of `model` must cite: the partners-level and public facts
    without a citation their level may see, and the internal facts that have no
    citation a public reader may see (each says whether it could go to partners).
    At most `limit` of each, newest change first; four queries."""
    published = published_without_support(model)
    internal = unsupported(model, Reader.PUBLIC).filter(visibility=Visibility.INTERNAL)
    newest = ("-updated_at", "-pk")
    return BlockedFacts(
        model=model,
        published=list(_with_evidence(published.order_by(*newest))[:limit]),
        published_count=published.count(),
        internal=list(_with_evidence(internal.order_by(*newest))[:limit]),
        internal_count=internal.count(),
    )
