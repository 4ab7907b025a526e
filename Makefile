# Casebook: `make run` serves the site with the seed cases; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# pytest-xdist workers: each has its own test database on the one embedded server
TEST_WORKERS ?= 2

.PHONY: run test test-fast lint migrate seed clean-db shell help bench load fuzz messages

help:
	@echo "make run        create the environment, start the embedded database, migrate, load the seed cases, serve http://127.0.0.1:$(PORT)/"
	@echo "make test       install what the tests need and run the whole suite ($(TEST_WORKERS) workers: TEST_WORKERS=1 for one process)"
	@echo "make test-fast  the same without the browser and slow tests (-m 'not browser and not slow'), about two minutes"
	@echo "make bench      API benchmark on a synthetic 100,000-person data set (BENCH_PERSONS=...)"
	@echo "make load       gunicorn on the benchmark database driven by locust for 3 minutes: req/s, p50/p95/p99 per kind, errors (docs/load.md)"
	@echo "make fuzz       schemathesis against the API (100 cases per operation), the leak property over 200 random case graphs, the change feed's model-based test over 200 sequences"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

migrate: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_seed

# One Python process prepares the database and serves, so the embedded server
# starts once; it stops when the server does (Ctrl-C), keeping its data.
run: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py devserver 127.0.0.1:$(PORT)

MIGRATIONS_CHECK := DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run > /dev/null || (echo "Model changes without a migration: run manage.py makemigrations"; exit 1)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(MIGRATIONS_CHECK)
	$(BIN)/pytest -n $(TEST_WORKERS)

# The loop while working: everything but the tests marked browser (Chromium) or
# slow (other programs and servers started, generated cases by the hundred).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(MIGRATIONS_CHECK)
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff format --check .

shell: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py shell

clean-db:
	rm -rf .casebook/pgdata

# API benchmark on its own database (casebook_bench), seeded once and reused:
# make bench BENCH_PERSONS=10000; BENCH_RESEED=1 seeds again. See bench/run.py.
bench: $(STAMP)
	DEBUG=1 CASEBOOK_DB_NAME=casebook_bench BENCH_PERSONS=$(or $(BENCH_PERSONS),100000) $(BIN)/python -m bench.run
	# the 100,000-row sheet is about 28 MB, over the 20 MB a researcher may upload
	DEBUG=1 CASEBOOK_DB_NAME=casebook_bench CASE_SHEET_MAX_MB=$${CASE_SHEET_MAX_MB:-64} BENCH_PERSONS=$(or $(BENCH_PERSONS),100000) $(BIN)/python -m bench.import_run

# The load test (docs/load.md): the site under gunicorn with production settings on
# the benchmark database (seeded as make bench seeds it when missing), driven by
# locust, headless, for LOAD_SECONDS (default 180) in steps of more readers, one
# researcher saving in the admin. make load LOAD_SECONDS=60 LOAD_USERS=4,16,32;
# LOAD_DB=other_bench for another database. See load/run.py for every setting.
load: $(STAMP)
	CASEBOOK_DB_NAME=$(or $(LOAD_DB),casebook_bench) $(BIN)/python -m load.run

# The API contract under schemathesis with every check it has (positive data
# accepted, negative data refused, no 5xx, responses as the schema says), 100
# generated requests per operation and reader (make test runs 12), and the leak
# property over 200 random case graphs,
# every page and API output checked for restricted values (make test runs 15):
# make fuzz FUZZ_EXAMPLES=500 LEAK_EXAMPLES=1000 FEED_EXAMPLES=500 for more.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),100) LEAK_EXAMPLES=$(or $(LEAK_EXAMPLES),200) \
		FEED_EXAMPLES=$(or $(FEED_EXAMPLES),200) \
		$(BIN)/pytest tests/test_api_schema.py tests/test_visibility_property.py \
		tests/test_change_feed_model.py

# After changing interface text: collect the strings into locale/{az,ru}, translate
# the new entries (tests/test_translations.py fails until every one is), compile.
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l az -l ru --no-obsolete --ignore=.venv --ignore=bench --ignore=tests --ignore=static --ignore=staticfiles --ignore=media --ignore=.casebook --ignore=fixtures
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv
