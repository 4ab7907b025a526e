"""The footnote tags build their HTML in Python (cases/templatetags/casebook.py
`footnote_marks`, sources/templatetags/source_titles.py `footnote_items`): every
value a researcher typed is escaped, and the markup is the one the pages and
their tests read (ids, back links, confidence)."""

import uuid

from django.urls import reverse

from cases.pages import Footnotes
from cases.partial_dates import PartialDate
from cases.templatetags.casebook import footnote_marks, person_url
from sources.templatetags.source_titles import footnote_items

HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"


def _notes(confidential=False, confidence="low"):
    source = {
        "uuid": uuid.uuid4(),
        "title": HOSTILE,
        "publisher": {"name": HOSTILE},
        "published_on": PartialDate.parse("2024-03"),
        "confidential": confidential,
        "url": "",
    }
    notes = Footnotes({"s": source})
    marks = notes.cite([{"source": "s", "locator": HOSTILE, "excerpt": HOSTILE,
                         "confidence": confidence}])  # fmt: skip
    notes.cite([{"source": "s", "locator": HOSTILE, "excerpt": HOSTILE, "confidence": confidence}])
    return notes, marks, source


def test_every_typed_value_is_escaped():
    notes, marks, source = _notes()
    html = footnote_items(notes.notes) + footnote_marks(marks)
    assert "<script>" not in html
    assert (
        html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;")
        == 4
    )
    url = reverse("source-detail", kwargs={"uuid": source["uuid"]})
    assert f'<a href="{url}">&lt;script&gt;' in html


def test_the_markup_the_pages_read():
    notes, marks, _source = _notes()
    items = footnote_items(notes.notes)
    assert items.startswith('<li id="fn-1" value="1">') and items.endswith("</li>")
    assert '<span class="confidence">The source supports this with low confidence.</span>' in items
    # one footnote marked twice: two back links, numbered
    assert items.count('<a class="back" href="#ref-1"') == 1
    assert items.count('<a class="back" href="#ref-1-2"') == 1
    assert "<sup>2</sup>" in items
    assert str(footnote_marks(marks)) == (
        '<sup class="fn"><a href="#fn-1" id="ref-1" aria-label="Source 1">[1]</a></sup>'
    )
    assert footnote_marks([]) == ""


def test_a_confidential_source_is_named_by_what_stands_for_it_and_high_confidence_is_not_said():
    notes, _marks, _source = _notes(confidential=True, confidence="high")
    items = footnote_items(notes.notes)
    assert "Confidential source on file" in items
    assert "confidence" not in items


def test_a_persons_address_is_the_one_reverse_gives_in_every_language():
    """`person_url` reverses once per language and puts the slug in its place."""
    from django.utils import translation

    for language in ("en", "az", "ru", "en"):
        with translation.override(language):
            for slug in ("ali-aliyev", "ali-aliyev-2", "x"):
                assert person_url(slug) == reverse("person-detail", kwargs={"slug": slug})
