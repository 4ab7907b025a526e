"""The case-sheet package's shape (cases.case_sheet): one checker per column, and
a preview and an import that read and write in a fixed number of queries."""

import pytest

from cases.case_sheet import COLUMNS, case_sheet_import, case_sheet_preview
from cases.case_sheet.rows import RowChecker
from tests.test_case_sheet import SAMPLE

pytestmark = pytest.mark.django_db


def test_every_column_has_one_checker_run_in_column_order():
    assert tuple(RowChecker.CHECKERS) == COLUMNS
    for column, checker in RowChecker.CHECKERS.items():
        assert checker.__name__ == f"check_{column}"
        assert checker.__doc__, f"{checker.__name__} says what the column holds"


# Measured on the single-module importer this package replaced (issue 12): the
# split moved code, not SQL. COPY goes through psycopg's own cursor and is not counted.
# The evidence rule (issue 13) added two: the changed detentions' evidence, and the
# rows that release a detention. The facility columns (issue 16) add 12 to plan (the
# facilities, the custody each row gains or ends, counts) and 7 to write. Issue 20:
# the persons' counts in one UPDATE, not one each (2 fewer), and the new persons'
# slug bases worked out when they are written, not in the check of every row (2
# more to write).
def test_the_sample_sheet_is_previewed_in_a_fixed_number_of_queries(django_assert_num_queries):
    with django_assert_num_queries(86):
        result = case_sheet_preview(file=SAMPLE)
    assert result.ok and not result.written


def test_the_sample_sheet_is_imported_in_a_fixed_number_of_queries(django_assert_num_queries):
    with django_assert_num_queries(140):
        result = case_sheet_import(file=SAMPLE)
    assert result.written
