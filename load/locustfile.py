"""What `make load` asks of the site: readers of the public pages, the feeds and
the partner API, in steps of more and more users, and one researcher saving an
edit in the admin every few seconds.

Run by load/run.py, which prepares the database, starts gunicorn and hands this
file a plan (LOAD_PLAN: the JSON written by load.run.plan_write) with the
addresses to read, a partner token and the researcher's session. Every request
is recorded with the step it was made in (LOAD_RESULTS, written when the test
stops); load.run computes the percentiles from those samples.

Plain Python and locust only: locust patches the standard library with gevent,
so nothing here imports Django.
"""

from __future__ import annotations

import json
import os
import random
import time
from html.parser import HTMLParser
from itertools import cycle

from locust import FastHttpUser, HttpUser, LoadTestShape, between, constant, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
STEPS: list[int] = PLAN["steps"]  # readers in each step
STEP_SECONDS: float = PLAN["step_seconds"]
# first the first step's readers for this long, not counted: every worker's caches filled
WARMUP_SECONDS: float = PLAN["warmup_seconds"]

# The readers' mix: each kind of request and how many of every 21 requests it is.
MIX = {
    "page: person list": 3,
    "page: person list, filtered": 3,
    "page: name search": 3,
    "page: person": 4,
    "feed: updates": 1,
    "feed: statements": 1,
    "api: persons list (partner)": 2,
    "api: name search (partner)": 1,
    "api: person history (partner)": 2,
    "api: person (anonymous)": 1,
}
RESEARCHER_KINDS = ("admin: person form", "admin: person save")
KINDS = (*MIX, *RESEARCHER_KINDS)

# --- the record of every request, by step --------------------------------------------

_started: list[float] = []
_samples: dict[str, dict[str, list[float]]] = {}  # step -> kind -> milliseconds
_failures: dict[str, dict[str, int]] = {}  # step -> kind -> count
_errors: dict[str, int] = {}  # "kind: what went wrong" -> count


def step_at(run_time: float) -> int:
    """The step at `run_time` seconds into the test; -1 while warming up."""
    if run_time < WARMUP_SECONDS:
        return -1
    return min(int((run_time - WARMUP_SECONDS) // STEP_SECONDS), len(STEPS))


def current_step() -> int:
    return step_at(time.monotonic() - _started[0]) if _started else -1


@events.test_start.add_listener
def _on_test_start(**kwargs):
    _started[:] = [time.monotonic()]


@events.request.add_listener
def _on_request(name, response_time, exception, **kwargs):
    step = str(current_step())
    _samples.setdefault(step, {}).setdefault(name, []).append(response_time)
    if exception is not None:
        counts = _failures.setdefault(step, {})
        counts[name] = counts.get(name, 0) + 1
        what = f"{name}: {str(exception)[:200]}"
        _errors[what] = _errors.get(what, 0) + 1


def _write_results(**kwargs):
    results = {
        "kinds": KINDS,
        "steps": STEPS,
        "step_seconds": STEP_SECONDS,
        "samples": _samples,
        "failures": _failures,
        "errors": _errors,
    }
    path = os.environ["LOAD_RESULTS"]
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(results, out)
    os.replace(path + ".tmp", path)


events.test_stop.add_listener(_write_results)
events.quitting.add_listener(_write_results)


class Steps(LoadTestShape):
    """After the warm-up, STEPS[i] readers (and the one researcher) for STEP_SECONDS
    each, then stop."""

    def tick(self):
        step = step_at(self.get_run_time())
        if step >= len(STEPS):
            return None
        return STEPS[max(step, 0)] + 1, 100


# --- the readers ---------------------------------------------------------------------


def _check(response, *, expect: str) -> bool:
    """A request fails unless it answered 200 with what it should hold."""
    if response.status_code == 0:  # locust's mark for no answer: refused, reset, timed out
        response.failure(f"no answer: {type(getattr(response, 'error', None)).__name__}")
        return False
    if response.status_code != 200:
        response.failure(f"HTTP {response.status_code}")
        return False
    if expect not in (response.text or ""):
        response.failure(f"answered 200 without {expect!r}")
        return False
    response.success()
    return True


class Reader(FastHttpUser):
    """A visitor or a partner's program: one request of the mix at a time."""

    weight = 1
    wait_time = between(PLAN["wait_min"], PLAN["wait_max"])

    def on_start(self):
        self.random = random.Random()
        # every kind in its share, in an order of this reader's own: first one of
        # each kind, then the rest of the shares; then again from the start
        first = list(MIX)
        rest = [kind for kind, share in MIX.items() for _ in range(share - 1)]
        self.random.shuffle(first)
        self.random.shuffle(rest)
        self.deck = cycle(first + rest)
        self.partner = {"Authorization": f"Bearer {PLAN['partner_token']}"}

    def language(self) -> str:
        return self.random.choice(("", "", "/az", "/ru"))

    def get(self, kind: str, url: str, *, expect: str, headers=None) -> None:
        with self.client.get(url, name=kind, headers=headers, catch_response=True) as response:
            _check(response, expect=expect)

    @task
    def read(self):
        kind = next(self.deck)
        pick = self.random.choice
        if kind == "page: person list":
            page = pick(("", "", "?page=2", f"?page={self.random.randint(3, 40)}"))
            self.get(kind, f"{self.language()}/persons/{page}", expect="</html>")
        elif kind == "page: person list, filtered":
            query = pick(PLAN["filters"]) + pick(("", "", "&page=2"))
            self.get(kind, f"{self.language()}/persons/?{query}", expect="</html>")
        elif kind == "page: name search":
            query = f"q={pick(PLAN['names'])}"
            if self.random.random() < 0.3:
                query += "&status=held"
            self.get(kind, f"{self.language()}/persons/?{query}", expect="</html>")
        elif kind == "page: person":
            slug = pick(PLAN["public_slugs"])
            self.get(kind, f"{self.language()}/persons/{slug}/", expect="</html>")
        elif kind == "feed: updates":
            self.get(kind, f"{self.language()}/feeds/updates/", expect="</feed>")
        elif kind == "feed: statements":
            self.get(kind, f"{self.language()}/feeds/statements/", expect="</feed>")
        elif kind == "api: persons list (partner)":
            query = pick(("", "", *PLAN["filters"]))
            url = f"/api/v1/persons/?page_size=100&{query}"
            self.get(kind, url, expect='"results"', headers=self.partner)
        elif kind == "api: name search (partner)":
            url = f"/api/v1/persons/?page_size=100&q={pick(PLAN['names'])}"
            self.get(kind, url, expect='"results"', headers=self.partner)
        elif kind == "api: person history (partner)":
            url = f"/api/v1/persons/{pick(PLAN['partner_slugs'])}/history/"
            self.get(kind, url, expect='"person"', headers=self.partner)
        elif kind == "api: person (anonymous)":
            self.get(kind, f"/api/v1/persons/{pick(PLAN['public_slugs'])}/", expect='"slug"')


# --- the researcher ------------------------------------------------------------------


class AdminForm(HTMLParser):
    """The values a browser would post from the admin's change form: every named
    input, textarea and select inside <form id=...>, checked boxes only, no files."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: dict | None = None
        self._multiple = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options, self._multiple = name, [], "multiple" in attrs
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": attrs.get("value"),
                "selected": "selected" in attrs,
                "text": "",
            }

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # a browser drops the one newline that may follow <textarea>
            text = "".join(self._text)
            self.values.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            option = self._option
            value = option["value"] if option["value"] is not None else option["text"].strip()
            self._options.append((value, option["selected"]))
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not self._multiple and self._options:
                chosen = [self._options[0][0]]
            self.values.extend((self._select, value) for value in chosen)
            self._select = None


class Researcher(HttpUser):
    """A researcher signed in with both factors, saving an edit to a person's
    staff-only notes in the admin every PLAN["edit_seconds"] seconds."""

    fixed_count = 1
    wait_time = constant(PLAN["edit_seconds"])

    def on_start(self):
        researcher = PLAN["researcher"]
        self.client.cookies.set(researcher["cookie_name"], researcher["session"])
        self.persons = cycle(researcher["person_ids"])
        self.edits = 0

    @task
    def edit(self):
        url = f"/admin/cases/person/{next(self.persons)}/change/"
        with self.client.get(url, name=RESEARCHER_KINDS[0], catch_response=True) as response:
            if not _check(response, expect='id="person_form"'):
                return
            form = AdminForm("person_form")
            form.feed(response.text)
        self.edits += 1
        data = [(name, value) for name, value in form.values if name != "internal_notes"]
        notes = dict(form.values).get("internal_notes", "").split("\n[load test]")[0]
        data.append(("internal_notes", f"{notes}\n[load test] edit {self.edits}"))
        data.append(("_save", "Save"))
        with self.client.post(
            url,
            data=data,
            name=RESEARCHER_KINDS[1],
            headers={"Referer": self.host + url},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # saved: the admin redirects; a form with errors comes back with 200
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}, not saved")
