"""Past one machine (issue 20, item 7): read replicas and a shared cache.

Scaffolding, filled in by the scale-out work: `replica_databases` (the
DATABASES entries of DATABASE_REPLICA_URLS), `ReplicaRouter` (Django's database
router), `caches` (the CACHES setting)."""

from __future__ import annotations

from collections.abc import Mapping


def replica_databases(environ: Mapping[str, str]) -> dict[str, dict]:
    """The DATABASES entries of the read replicas (none yet)."""
    return {}


def caches(environ: Mapping[str, str]) -> dict[str, dict]:
    """The CACHES setting."""
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class ReplicaRouter:
    """Every read and write on the primary (for now)."""
