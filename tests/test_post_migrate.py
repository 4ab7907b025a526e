"""The handlers run after `migrate` (cases.apps): the history functions and the
stored status installed after a migrate, and left alone after a flush, which
every transactional test's teardown runs and which changes neither."""

from unittest import mock

import pytest
from django.core.management.sql import emit_post_migrate_signal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("plan", "installed"), [(None, False), ([], True)])
def test_a_migrate_installs_and_a_flush_does_not(plan, installed):
    """migrate sends its plan (empty when nothing was left to apply); flush sends none."""
    extra = {} if plan is None else {"plan": plan}
    with (
        mock.patch("cases.reads.status.install_if_changed") as status,
        mock.patch("casebook.history_sql.install") as history,
    ):
        emit_post_migrate_signal(0, False, "default", **extra)
    assert status.called is installed
    assert history.called is installed
