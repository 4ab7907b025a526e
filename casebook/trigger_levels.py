"""Statement-level triggers that survive a copy (django-pgtrigger 4.17).

pgtrigger tells a statement-level trigger from a row-level one by identity
(`trigger.level == pgtrigger.Statement`; its primitives define no `__eq__`),
but Django's migration autodetector deep-copies every model's options, the
triggers included. A copied trigger's level is then another object, no longer
`pgtrigger.Statement`, and the trigger is rendered as row-level SQL (`NEW."id"`)
in a statement-level trigger, which pgtrigger refuses. The primitives (levels,
timings, operations) are constants, so a copy of one is here the one itself.

Imported by casebook.settings before any model is, so that the history
trackers (`PGHISTORY_DEFAULT_TRACKERS`) can be statement-level.
"""

from __future__ import annotations

from pgtrigger import core


def _the_constant_itself(self, memo=None):
    return self


core._Primitive.__copy__ = _the_constant_itself
core._Primitive.__deepcopy__ = _the_constant_itself
