"""Who may see what. This module is the one place that decides visibility;
every output (admin lists for limited roles, public pages, the API, exports,
search) asks it rather than filtering on levels itself."""

from __future__ import annotations

from enum import Enum

from cases.choices import Visibility


class Reader(Enum):
    PUBLIC = "public"  # anyone, without signing in
    PARTNER = "partner"  # a partner NGO's API token
    STAFF = "staff"  # researchers and editors in the admin


_LEVELS: dict[Reader, tuple[str, ...]] = {
    Reader.PUBLIC: (Visibility.PUBLIC,),
    Reader.PARTNER: (Visibility.PUBLIC, Visibility.PARTNERS),
    Reader.STAFF: (Visibility.PUBLIC, Visibility.PARTNERS, Visibility.INTERNAL),
}


def visible_levels(reader: Reader) -> tuple[str, ...]:
    """The visibility levels a reader may see."""
    return _LEVELS[reader]
