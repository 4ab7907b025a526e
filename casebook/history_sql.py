"""The two SQL functions every history trigger calls, written without a
per-row subtransaction (issue 20).

Every history trigger (django-pghistory on django-pgtrigger) first asks
`_pgtrigger_should_ignore(name)` whether it is switched off, then inserts the
event with `_pgh_attach_context()`, which upserts the current context row and
returns its id. As the libraries install them, both functions read their
settings (`pgtrigger.ignore`, `pghistory.context_id`) inside a
`BEGIN ... EXCEPTION WHEN OTHERS` block, because `current_setting(name)` raises
when a setting was never defined. Each call opens a subtransaction, and in a
session where the setting is undefined each call raises and rolls one back:
seeding 5,000 benchmark persons took 149 s this way and 5.5 s without it, and
the cost per row grows with the size of the transaction.

The versions here read the settings with `current_setting(name, true)`, which
answers NULL instead of raising, so no subtransaction is ever opened. They keep
the libraries' contracts:

- `_pgtrigger_should_ignore(trigger_name)`: true when the name is in the
  `pgtrigger.ignore` array (`pgtrigger.ignore()` in Python), false otherwise;
- `_pgh_attach_context()`: the id of the context set by `pghistory.context()`
  (or by SQL that sets `pghistory.context_id` and `pghistory.context_metadata`),
  after upserting that context row; NULL when none is set. A bulk write inside
  one context upserts the row once, not once per row: the function remembers
  the id and metadata it last wrote in a transaction-local setting and skips
  the upsert while they are unchanged (a rolled-back subtransaction also rolls
  the memory back, so the row is written again when needed).

The libraries re-create their own versions whenever a migration installs a
trigger, so Casebook installs these after every `migrate` (a post_migrate
handler in cases.apps) and pghistory's own installation on migrate is turned
off (`PGHISTORY_INSTALL_CONTEXT_FUNC_ON_MIGRATE = False`).
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

SHOULD_IGNORE = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE
        _ignore TEXT := NULLIF(CURRENT_SETTING('pgtrigger.ignore', TRUE), '');
    BEGIN
        IF _ignore IS NULL THEN
            RETURN FALSE;
        END IF;
        RETURN trigger_name = ANY(_ignore::TEXT[]);
    END;
$$ LANGUAGE plpgsql;
"""

ATTACH_CONTEXT = """
CREATE OR REPLACE FUNCTION _pgh_attach_context()
RETURNS pghistory_context.id%TYPE AS $$
    DECLARE
        _id TEXT := NULLIF(CURRENT_SETTING('pghistory.context_id', TRUE), '');
        _metadata TEXT := NULLIF(CURRENT_SETTING('pghistory.context_metadata', TRUE), '');
    BEGIN
        IF _id IS NULL OR _metadata IS NULL THEN
            RETURN NULL;
        END IF;
        IF CURRENT_SETTING('casebook.context_attached', TRUE) IS DISTINCT FROM _id || _metadata THEN
            INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
                VALUES (_id::UUID, _metadata::JSONB, NOW(), NOW())
                ON CONFLICT (id) DO UPDATE
                    SET metadata = EXCLUDED.metadata,
                        updated_at = EXCLUDED.updated_at
                    WHERE pghistory_context.metadata != EXCLUDED.metadata;
            PERFORM SET_CONFIG('casebook.context_attached', _id || _metadata, TRUE);
        END IF;
        RETURN _id::UUID;
    END;
$$ LANGUAGE plpgsql;
"""


def install(using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the libraries' functions with these (idempotent)."""
    with connections[using].cursor() as cursor:
        cursor.execute(SHOULD_IGNORE)
        cursor.execute(ATTACH_CONTEXT)


def install_after_migrate(using: str = DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """post_migrate handler: after the migrations that re-created the slow ones.
    Not after a flush (sent without a plan), which leaves functions as they are."""
    if plan is not None:
        install(using)
