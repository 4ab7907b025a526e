"""Hand-written SQL returning the same rows as the API views, for the public
reader: the page of persons, then their variants, occupations, detentions and
charges (and for the history, everything person_history reads). Run on the
psycopg cursor of Django's connection; rows are fetched, no JSON is built.

Each function returns counts of what it fetched, to check against the view.

A person row carries the person's status and its date, which the database keeps
per reader (cases.reads.status): they are read here as the view reads them."""

from __future__ import annotations

PUBLIC = "'public'"


def cited(alias: str, column: str) -> str:
    """A fact shown to the public has a public citation of a public source
    (cases.visibility, rule 3), written out by hand as the raw baseline does."""
    return (
        "EXISTS (SELECT 1 FROM sources_citation c JOIN sources_source cs ON cs.id = c.source_id "
        f"WHERE c.{column} = {alias}.id AND c.visibility = {PUBLIC} AND cs.visibility = {PUBLIC})"
    )


PERSON_COLUMNS = (
    "p.id, p.uuid, p.slug, p.display_name, p.gender, p.birth_date, p.birth_date_precision, "
    "p.citizenship, p.summary, p.updated_at"
)


def stored_status(cur, ids: list[int]) -> dict:
    """The persons' status and its date as the database keeps them for the public
    (cases.reads.status.status_sql, which person_rows reads): the stored rows,
    and those of persons a transaction not yet committed touched: 1 query."""
    rows = cur.execute(
        "SELECT person_id, status, as_of, as_of_precision FROM cases_person_status s"
        f" WHERE reader = {PUBLIC} AND person_id = ANY(%(ids)s) AND NOT EXISTS"
        " (SELECT 1 FROM cases_person_status_pending p WHERE p.person_id = s.person_id)"
        " UNION ALL SELECT person_id, status, as_of, as_of_precision"
        f" FROM cases_status_pending({PUBLIC}) WHERE person_id = ANY(%(ids)s)",
        {"ids": ids},
    ).fetchall()
    return {"statuses": len(rows)}


# Whether the API's person rows carry custody periods and the current place
# (issue 16): the caller sets it from a response, so that the raw SQL reads what
# the view reads, no more.
ROWS_CARRY_PLACES = False

# Custody periods `cp` visible to the public: their own level and citation, their
# detention's, their person's level, their facility's level and citation
# (cases.visibility; places.reads.visible_custody_sql), after CUSTODY_JOINS.
CUSTODY_JOINS = (
    " JOIN cases_detention cp_d ON cp_d.id = cp.detention_id"
    " JOIN cases_person cp_p ON cp_p.id = cp_d.person_id"
    " JOIN places_facility cp_f ON cp_f.id = cp.facility_id"
)
VISIBLE_CUSTODY = (
    f"cp.visibility = {PUBLIC} AND {cited('cp', 'custody_period_id')} "
    f"AND cp_d.visibility = {PUBLIC} AND {cited('cp_d', 'detention_id')} "
    f"AND cp_p.visibility = {PUBLIC} "
    f"AND cp_f.visibility = {PUBLIC} AND {cited('cp_f', 'facility_id')}"
)


def current_custody(persons: str) -> str:
    """One row per person held somewhere now, among the persons `persons` (a
    condition on cp_d.person_id): (person_id, custody_id, facility_id,
    published_on, published_on_precision), the open visible custody period with
    the newest public source, then the one that began last, then the last
    entered (places.reads.current_custody_sql), by hand."""
    return (
        "SELECT DISTINCT ON (cp_d.person_id) cp_d.person_id, cp.id AS custody_id, "
        "cp.facility_id, newest.published_on, newest.published_on_precision "
        f"FROM places_custodyperiod cp{CUSTODY_JOINS} LEFT JOIN LATERAL ("
        " SELECT s.published_on, s.published_on_precision FROM sources_citation c"
        " JOIN sources_source s ON s.id = c.source_id WHERE c.custody_period_id = cp.id"
        f" AND c.visibility = {PUBLIC} AND s.visibility = {PUBLIC}"
        " AND s.published_on IS NOT NULL AND NOT s.is_confidential"
        " ORDER BY s.published_on DESC, s.published_on_precision DESC LIMIT 1) newest ON TRUE "
        f"WHERE cp.held_until IS NULL AND {VISIBLE_CUSTODY} AND {persons} "
        "ORDER BY cp_d.person_id, newest.published_on DESC NULLS LAST, "
        "cp.held_from DESC NULLS LAST, cp.id DESC"
    )


def custody_children(cur, ids: list[int], detention_ids: list[int]) -> dict:
    """The visible custody periods of a page's detentions, in order, and which is
    each person's current place (cases.reads.rows._custody_of): 1 query."""
    rows = cur.execute(
        "SELECT cp.detention_id, cp.id, cp.uuid, cp_f.slug, cp_f.name, cp_f.region, cp.held_from, "
        "cp.held_from_precision, cp.held_until, cp.held_until_precision, cp.note, cp_d.person_id, "
        "cur.custody_id IS NOT NULL, cur.published_on, cur.published_on_precision "
        f"FROM places_custodyperiod cp{CUSTODY_JOINS} "
        f"LEFT JOIN ({current_custody('cp_d.person_id = ANY(%(ids)s)')}) cur "
        "ON cur.custody_id = cp.id "
        f"WHERE cp.detention_id = ANY(%(detentions)s) AND {VISIBLE_CUSTODY} "
        "ORDER BY cp.detention_id, cp.held_from, cp.id",
        {"ids": ids, "detentions": detention_ids},
    ).fetchall()
    return {"custody_periods": len(rows), "current_places": sum(1 for r in rows if r[12])}


def person_children(cur, ids: list[int]) -> dict:
    """What person_rows reads for a page of visible persons: 5 queries (6 when
    the rows carry custody periods and the current place)."""
    variants = cur.execute(
        "SELECT person_id, name, language, kind FROM cases_namevariant "
        f"WHERE person_id = ANY(%s) AND visibility = {PUBLIC} ORDER BY person_id, language, name",
        [ids],
    ).fetchall()
    occupations = cur.execute(
        "SELECT po.person_id, o.code FROM cases_person_occupations po "
        "JOIN cases_occupation o ON o.id = po.occupation_id "
        "WHERE po.person_id = ANY(%s) ORDER BY po.person_id, o.sort_order",
        [ids],
    ).fetchall()
    detentions = cur.execute(
        "SELECT d.id, d.person_id, d.uuid, d.arrested_on, d.arrested_on_precision, d.released_on, "
        "d.released_on_precision, ls.code, ls.in_detention, d.facility FROM cases_detention d "
        "LEFT JOIN cases_legalstage ls ON ls.id = d.legal_stage_id "
        f"WHERE d.person_id = ANY(%s) AND d.visibility = {PUBLIC} "
        f"AND {cited('d', 'detention_id')} "
        "ORDER BY d.person_id, d.arrested_on NULLS FIRST, d.id",
        [ids],
    ).fetchall()
    charges = cur.execute(
        "SELECT detention_id, article, description FROM cases_charge "
        f"WHERE detention_id = ANY(%s) AND visibility = {PUBLIC} ORDER BY detention_id, article",
        [[d[0] for d in detentions]],
    ).fetchall()
    return {
        "variants": len(variants),
        "occupations": len(occupations),
        "detentions": len(detentions),
        "charges": len(charges),
        **stored_status(cur, ids),
        **(custody_children(cur, ids, [d[0] for d in detentions]) if ROWS_CARRY_PLACES else {}),
    }


def person_page(cur, *, where: str = "", params: dict | None = None, score: str = "",
                order: str = "p.uuid", size: int = 100) -> dict:  # fmt: skip
    """One page of visible persons (size + 1 rows, as the keyset paginator reads) and
    their children."""
    rows = cur.execute(
        f"SELECT {PERSON_COLUMNS}{score} FROM cases_person p "
        f"WHERE p.visibility = {PUBLIC} {where} ORDER BY {order} LIMIT %(limit)s",
        {**(params or {}), "limit": size + 1},
    ).fetchall()[:size]
    counts = person_children(cur, [r[0] for r in rows])
    return {"persons": len(rows), "slugs": [r[2] for r in rows], **counts}


def plain_list(cur) -> dict:
    return person_page(cur)


def search(cur, key: str) -> dict:
    """cases.reads.search.search_persons, by hand: candidates from the person keys and
    the visible variant keys (each through its trigram index), ranked by the best
    word similarity of the name or a visible variant."""
    params = {"key": key}
    candidates = (
        "AND p.id IN (SELECT id FROM cases_person WHERE %(key)s <%% name_key "
        "UNION ALL SELECT person_id FROM cases_namevariant "
        f"WHERE %(key)s <%% name_key AND visibility = {PUBLIC})"
    )
    score = (
        ", GREATEST(word_similarity(%(key)s, p.name_key), COALESCE((SELECT "
        "max(word_similarity(%(key)s, nv.name_key)) FROM cases_namevariant nv "
        f"WHERE nv.person_id = p.id AND nv.visibility = {PUBLIC}), 0)) AS score"
    )
    return person_page(
        cur, where=candidates, params=params, score=score, order="score DESC, p.uuid"
    )


def filtered(cur, *, stage_id: int, after, occupation_id: int | None = None,
             allegation_kind_id: int | None = None) -> dict:  # fmt: skip
    """legal_stage + arrested_after on one visible detention, and an occupation or a
    visible allegation of a kind."""
    where = (
        "AND EXISTS (SELECT 1 FROM cases_detention d WHERE d.person_id = p.id "
        f"AND d.visibility = {PUBLIC} AND d.arrested_on >= %(after)s AND d.legal_stage_id = %(stage)s "
        f"AND {cited('d', 'detention_id')})"
    )
    params = {"after": after, "stage": stage_id}
    if occupation_id is not None:
        where += (
            " AND EXISTS (SELECT 1 FROM cases_person_occupations po WHERE po.person_id = p.id "
            "AND po.occupation_id = %(occupation)s)"
        )
        params["occupation"] = occupation_id
    if allegation_kind_id is not None:
        where += (
            " AND EXISTS (SELECT 1 FROM cases_allegation a "
            "LEFT JOIN cases_detention ad ON ad.id = a.detention_id "
            f"WHERE a.person_id = p.id AND a.visibility = {PUBLIC} AND a.kind_id = %(kind)s "
            f"AND {cited('a', 'allegation_id')} "
            f"AND (ad.id IS NULL OR (ad.visibility = {PUBLIC} AND {cited('ad', 'detention_id')})))"
        )
        params["kind"] = allegation_kind_id
    return person_page(cur, where=where, params=params)


def history(cur, slug: str) -> dict:
    """Everything cases.reads.history.person_history reads for one visible person."""
    person = cur.execute(
        f"SELECT {PERSON_COLUMNS} FROM cases_person p WHERE p.slug = %s AND p.visibility = {PUBLIC}",
        [slug],
    ).fetchone()
    pid = person[0]
    counts = person_children(cur, [pid])
    affiliations = cur.execute(
        "SELECT a.id, a.uuid, o.uuid, o.slug, o.name, a.role, a.started_on, a.started_on_precision, "
        "a.ended_on, a.ended_on_precision FROM cases_affiliation a "
        "JOIN cases_organization o ON o.id = a.organization_id "
        f"WHERE a.person_id = %s AND a.visibility = {PUBLIC} AND o.visibility = {PUBLIC} "
        f"AND {cited('a', 'affiliation_id')} "
        "ORDER BY a.started_on NULLS FIRST, a.id",
        [pid],
    ).fetchall()
    detentions = cur.execute(
        "SELECT d.id, d.uuid, d.arrested_on, d.arrested_on_precision, d.arrest_place, ao.uuid, "
        "ao.slug, ao.name, ls.code, d.facility, d.sentence_months, d.released_on, "
        "d.released_on_precision, rr.code, d.summary, d.updated_at FROM cases_detention d "
        "LEFT JOIN cases_organization ao ON ao.id = d.arresting_authority_id "
        "LEFT JOIN cases_legalstage ls ON ls.id = d.legal_stage_id "
        "LEFT JOIN cases_releasereason rr ON rr.id = d.release_reason_id "
        f"WHERE d.person_id = %s AND d.visibility = {PUBLIC} AND {cited('d', 'detention_id')} "
        "ORDER BY d.arrested_on NULLS FIRST, d.id",
        [pid],
    ).fetchall()
    detention_ids = [d[0] for d in detentions]
    charges = cur.execute(
        "SELECT detention_id, article, description FROM cases_charge "
        f"WHERE detention_id = ANY(%s) AND visibility = {PUBLIC} ORDER BY detention_id, article",
        [detention_ids],
    ).fetchall()
    events = cur.execute(
        "SELECT e.detention_id, e.id, e.uuid, k.code, e.occurred_on, e.occurred_on_precision, "
        "e.sentence_months, e.description FROM cases_caseevent e "
        "JOIN cases_caseeventkind k ON k.id = e.kind_id "
        f"WHERE e.detention_id = ANY(%s) AND e.visibility = {PUBLIC} "
        f"AND {cited('e', 'case_event_id')} "
        "ORDER BY e.detention_id, e.occurred_on NULLS LAST, e.id",
        [detention_ids],
    ).fetchall()
    pace = cur.execute(
        "SELECT detention_id, criterion, justification FROM cases_paceassessment "
        f"WHERE detention_id = ANY(%s) AND visibility = {PUBLIC} ORDER BY detention_id, criterion",
        [detention_ids],
    ).fetchall()
    allegations = cur.execute(
        "SELECT a.id, a.uuid, pp.uuid, pp.slug, pp.display_name, a.victim_description, rb.uuid, "
        "rb.slug, rb.display_name, ad.uuid, k.code, a.started_on, a.started_on_precision, "
        "a.ended_on, a.ended_on_precision, a.count, a.perpetrator, po.uuid, po.slug, po.name, "
        "st.code, a.description, a.updated_at FROM cases_allegation a "
        "LEFT JOIN cases_person pp ON pp.id = a.person_id "
        "LEFT JOIN cases_person rb ON rb.id = a.reported_by_id "
        "LEFT JOIN cases_detention ad ON ad.id = a.detention_id "
        "LEFT JOIN cases_person adp ON adp.id = ad.person_id "
        "JOIN cases_allegationkind k ON k.id = a.kind_id "
        "LEFT JOIN cases_organization po ON po.id = a.perpetrator_organization_id "
        "LEFT JOIN cases_allegationstatus st ON st.id = a.status_id "
        f"WHERE (a.person_id = %(p)s OR a.reported_by_id = %(p)s) AND a.visibility = {PUBLIC} "
        f"AND {cited('a', 'allegation_id')} AND (pp.id IS NULL OR pp.visibility = {PUBLIC}) "
        f"AND (ad.id IS NULL OR (ad.visibility = {PUBLIC} AND {cited('ad', 'detention_id')})) "
        f"AND (adp.id IS NULL OR adp.visibility = {PUBLIC}) ORDER BY a.started_on NULLS FIRST, a.id",
        {"p": pid},
    ).fetchall()
    statements = cur.execute(
        "SELECT s.id, s.uuid, k.code, s.title, s.issued_on, s.issued_on_precision, io.uuid, "
        "io.slug, io.name, ip.uuid, ip.slug, ip.display_name, s.speaker, s.quote, s.summary, "
        "s.url, s.updated_at FROM cases_statement s "
        "JOIN cases_statement_persons sp ON sp.statement_id = s.id "
        "JOIN cases_statementkind k ON k.id = s.kind_id "
        "LEFT JOIN cases_organization io ON io.id = s.issuer_organization_id "
        "LEFT JOIN cases_person ip ON ip.id = s.issuer_person_id "
        f"WHERE sp.person_id = %s AND s.visibility = {PUBLIC} AND {cited('s', 'statement_id')} "
        f"AND (io.id IS NULL OR io.visibility = {PUBLIC}) AND (ip.id IS NULL OR ip.visibility = {PUBLIC}) "
        "ORDER BY s.issued_on NULLS FIRST, s.id",
        [pid],
    ).fetchall()
    statement_ids = [s[0] for s in statements]
    concerned = cur.execute(
        "SELECT sp.statement_id, p.uuid, p.slug, p.display_name FROM cases_statement_persons sp "
        "JOIN cases_person p ON p.id = sp.person_id "
        f"WHERE sp.statement_id = ANY(%s) AND p.visibility = {PUBLIC} "
        "ORDER BY sp.statement_id, p.display_name",
        [statement_ids],
    ).fetchall()
    custody = cur.execute(
        "SELECT cp.detention_id, cp.id, cp.uuid, cp_f.slug, cp_f.name, cp.held_from, "
        "cp.held_from_precision, cp.held_until, cp.held_until_precision, cp.note "
        f"FROM places_custodyperiod cp{CUSTODY_JOINS} "
        f"WHERE cp.detention_id = ANY(%s) AND {VISIBLE_CUSTODY} "
        "ORDER BY cp.detention_id, cp.held_from, cp.id",
        [detention_ids],
    ).fetchall()
    interventions = cur.execute(
        "SELECT i.id, i.uuid, i.kind, i.title, b.uuid, b.slug, b.name, i.reference, "
        "i.submitted_on, i.submitted_on_precision, i.communicated_on, i.communicated_on_precision, "
        "i.government_replied_on, i.government_replied_on_precision, i.decided_on, "
        "i.decided_on_precision, i.status, i.outcome, i.opinion_number, i.wgad_categories, "
        "i.articles_violated, i.just_satisfaction, i.outcome_summary, i.released_after, "
        "i.follow_up, i.updated_at FROM interventions_intervention i "
        "JOIN interventions_intervention_persons ip ON ip.intervention_id = i.id "
        "LEFT JOIN cases_organization b ON b.id = i.body_id "
        f"WHERE ip.person_id = %s AND i.visibility = {PUBLIC} AND {cited('i', 'intervention_id')} "
        f"AND (b.id IS NULL OR b.visibility = {PUBLIC}) ORDER BY "
        "COALESCE(i.decided_on, i.submitted_on) NULLS FIRST, i.submitted_on NULLS FIRST, i.id",
        [pid],
    ).fetchall()
    # the trials the person is a defendant in, with every visible defendant
    defendants = cur.execute(
        "SELECT td.trial_id, td.person_id, dp.uuid, dp.slug, dp.display_name, t.uuid, t.slug, "
        "t.title, t.number, ct.uuid, ct.slug, ct.name, t.instance, t.opened_on, "
        "t.opened_on_precision, t.closed_on, t.closed_on_precision, t.time_zone, t.summary, "
        "td.charges, dd.uuid, t.updated_at FROM trials_trialdefendant td "
        "JOIN trials_trial t ON t.id = td.trial_id JOIN cases_person dp ON dp.id = td.person_id "
        "LEFT JOIN cases_organization ct ON ct.id = t.court_id "
        "LEFT JOIN cases_detention dd ON dd.id = td.detention_id "
        "WHERE td.trial_id IN (SELECT trial_id FROM trials_trialdefendant "
        f"WHERE person_id = %s AND visibility = {PUBLIC}) AND td.visibility = {PUBLIC} "
        f"AND t.visibility = {PUBLIC} AND {cited('t', 'trial_id')} AND dp.visibility = {PUBLIC} "
        f"AND (ct.id IS NULL OR ct.visibility = {PUBLIC}) "
        f"AND (dd.id IS NULL OR (dd.visibility = {PUBLIC} AND {cited('dd', 'detention_id')})) "
        "ORDER BY t.opened_on NULLS FIRST, td.trial_id, dp.display_name, td.id",
        [pid],
    ).fetchall()
    trial_ids = list({d[0] for d in defendants if d[1] == pid})
    hearings = cur.execute(
        "SELECT h.id, h.uuid, h.trial_id, h.held_on, h.held_on_precision, h.starts_at, "
        "h.court_room, h.status, h.what_happened, h.updated_at FROM trials_hearing h "
        f"WHERE h.trial_id = ANY(%s) AND h.visibility = {PUBLIC} AND {cited('h', 'hearing_id')} "
        "ORDER BY h.held_on, h.starts_at NULLS FIRST, h.id",
        [trial_ids],
    ).fetchall()
    # the officials' involvements in the facts read above; an alleged perpetrator's
    # on sources of two publishers
    two_publishers = (
        "(SELECT count(DISTINCT s.publisher_id) FROM sources_citation c "
        "JOIN sources_source s ON s.id = c.source_id WHERE c.involvement_id = i.id "
        f"AND c.visibility = {PUBLIC} AND s.visibility = {PUBLIC}) >= 2"
    )
    involvements = cur.execute(
        "SELECT i.id, i.uuid, o.uuid, o.slug, o.name, i.role, i.detention_id, i.case_event_id, "
        "i.allegation_id, i.trial_id, i.description, i.reply, i.reply_on, i.reply_on_precision, "
        f"rs.uuid, rs.visibility = {PUBLIC}, i.updated_at FROM officials_involvement i "
        "JOIN officials_official o ON o.id = i.official_id "
        "LEFT JOIN sources_source rs ON rs.id = i.reply_source_id "
        "WHERE (i.detention_id = ANY(%(d)s) OR i.case_event_id = ANY(%(e)s) "
        "OR i.allegation_id = ANY(%(a)s) OR i.trial_id = ANY(%(t)s)) "
        f"AND i.visibility = {PUBLIC} AND {cited('i', 'involvement_id')} "
        f"AND (i.role <> 'alleged-perpetrator' OR {two_publishers}) "
        f"AND o.visibility = {PUBLIC} AND {cited('o', 'official_id')} "
        "ORDER BY o.name, i.official_id, i.id",
        {"d": detention_ids, "e": [e[1] for e in events], "a": [a[0] for a in allegations],
         "t": trial_ids},
    ).fetchall()  # fmt: skip
    targets = {
        "person": [pid],
        "affiliation": [a[0] for a in affiliations],
        "detention": detention_ids,
        "case_event": [e[1] for e in events],
        "allegation": [a[0] for a in allegations],
        "statement": statement_ids,
        "custody_period": [c[1] for c in custody],
        "intervention": [i[0] for i in interventions],
        "involvement": [i[0] for i in involvements],
        "trial": trial_ids,
        "hearing": [h[0] for h in hearings],
    }
    chosen = [(name, ids) for name, ids in targets.items() if ids]
    citations = cur.execute(
        f"SELECT {', '.join(f'c.{name}_id' for name in targets)}, "
        "s.uuid, s.is_confidential, c.claim, c.locator, c.excerpt, c.confidence "
        "FROM sources_citation c JOIN sources_source s ON s.id = c.source_id "
        f"WHERE ({' OR '.join(f'c.{name}_id = ANY(%s)' for name, _ in chosen)}) "
        f"AND c.visibility = {PUBLIC} AND s.visibility = {PUBLIC} ORDER BY c.id",
        [ids for _, ids in chosen],
    ).fetchall()
    # the cited sources and the replies' sources the reader may see
    source_uuids = list({c[-6] for c in citations} | {i[14] for i in involvements if i[15]})
    sources = []
    if source_uuids:
        sources = cur.execute(
            "SELECT s.id, s.uuid, s.is_confidential, s.title, pub.uuid, pub.slug, pub.name, "
            "pub.visibility, s.author, s.url, s.published_on, s.published_on_precision, "
            "s.accessed_on, s.language, k.code, s.reliability, s.archive_url, s.updated_at "
            "FROM sources_source s LEFT JOIN cases_organization pub ON pub.id = s.publisher_id "
            "JOIN cases_sourcekind k ON k.id = s.kind_id "
            "WHERE s.uuid = ANY(%s) ORDER BY s.published_on NULLS FIRST, s.id",
            [source_uuids],
        ).fetchall()
    return {
        **counts,
        "hist_detentions": len(detentions),
        "hist_charges": len(charges),
        "events": len(events),
        "pace": len(pace),
        "allegations": len(allegations),
        "statements": len(statements),
        "concerned": len(concerned),
        # as bench.run counts them: the person's and their facts' but custody
        # periods', interventions', involvements', trials' and hearings'
        "citations": sum(1 for c in citations if any(c[:6])),
        "other_citations": sum(1 for c in citations if not any(c[:6])),
        "sources": len(sources),
        "affiliations": len(affiliations),
        "hist_custody_periods": len(custody),
        "interventions": len(interventions),
        "defendants": len(defendants),
        "hearings": len(hearings),
        "involvements": len(involvements),
    }
