# Two commands for a newcomer: `make run` and `make test`. Both create .venv and
# install requirements/lock/local.txt the first time, and only again when the
# lock changes. The lock pins every package, those pulled in too, with its
# hashes; pip refuses anything else. After changing requirements/*.txt, run
# `make lock` to write the locks again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install lock run migrate test test-all contract conformance-beat lint format docs stack mail worker beat flower bench bench-quick bench-profile rules-test

# One bootstrap at a time: `make run` and `make test` started together on a
# fresh clone would otherwise both create .venv and install into it (one then
# finds a virtualenv without pip yet). The second waits for the lock, then finds
# the install done. flock comes with util-linux; without it there is no lock.
BOOTSTRAP_LOCK := $(VENV).lock

$(INSTALLED): requirements/lock/local.txt
	@if command -v flock >/dev/null; then exec 9>$(BOOTSTRAP_LOCK) && flock 9; fi; \
	if [ -e $@ ] && [ $@ -nt requirements/lock/local.txt ]; then exit 0; fi; \
	set -ex; \
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV); \
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/lock/local.txt; \
	$(BIN)/python -m pip check; \
	touch $@

install: $(INSTALLED)

# The locks, from requirements/local.txt (development, tests, CI) and
# requirements/production.txt (the image), with the same versions in both.
UV_COMPILE := $(BIN)/uv pip compile --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock"

lock: install
	$(UV_COMPILE) requirements/local.txt -o requirements/lock/local.txt
	$(UV_COMPILE) requirements/production.txt -c requirements/lock/local.txt -o requirements/lock/production.txt

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	DEV_SITE_URL=http://$(HOST):$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole stack without Docker (Procfile.dev, docs/deploy.md): PostgreSQL,
# Redis and Flower's password come from .env. Some of them with
# `make worker` (the worker pools), `make beat`, `make flower`.
HONCHO := PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho -f Procfile.dev

# Ctrl-C is how these stop. Its SIGINT reaches make, the recipe's shell and
# the process alike: the process stops its children and exits with 130, the
# shell (its trap) lets that pass as success, and make ends without an error.
ON_CTRL_C := trap true INT;
STOPPED := || [ $$? -eq 130 ]

stack: install
	$(ON_CTRL_C) $(HONCHO) start $(STOPPED)

# `make worker`: the three worker pools, one per queue.
WORKER_POOLS := worker-transactional worker-bulk worker-maintenance

worker: install
	$(ON_CTRL_C) $(HONCHO) start $(WORKER_POOLS) $(STOPPED)

beat flower: install
	$(ON_CTRL_C) $(HONCHO) start $@ $(STOPPED)

# A local SMTP server that prints every message it receives, headers and
# body, instead of delivering it: .env.example's EMAIL_URL points the stack
# at it. Ctrl-C stops it.
MAIL_PORT ?= 1025

mail: install
	$(ON_CTRL_C) PYTHONUNBUFFERED=1 $(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(MAIL_PORT) $(STOPPED)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Also the slow tests (fault injection, API fuzzing); they need PostgreSQL and Redis.
test-all: install
	$(BIN)/python -m pytest -m "slow or not slow" $(PYTEST_ARGS)

# The API's contract test alone (part of test-all): a Python and a TypeScript client generated from the
# live schema, type-checked and run, and schemathesis; needs PostgreSQL, Redis, Node.js and npm.
contract: install
	$(BIN)/python -m pytest -m "slow or not slow" styleguide_project/api/tests/integration/test_generated_clients.py $(PYTEST_ARGS)

# django-celery-beat's own scheduler tests, from the sdist of the pinned version, against the
# project's beat scheduler, without and with its Redis lock (docs/reliability.md, "Beat
# conformance"). Needs the package index and REDIS_URL (a database of its own).
conformance-beat: install
	$(BIN)/python -m testing.conformance.beat

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# The Prometheus alert rules: valid, and each alert's unit tests pass (promtool
# comes with Debian's prometheus package).
rules-test:
	@command -v promtool >/dev/null || { echo "make rules-test needs promtool, which is not installed:" \
	  "it comes with Debian's and Ubuntu's prometheus package (apt-get install prometheus)," \
	  "or take it from a Prometheus release (https://prometheus.io/download/) and put it on PATH." >&2; exit 1; }
	promtool check rules deploy/prometheus/alerts.yml
	cd deploy/prometheus && promtool test rules alerts_test.yml

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The lists in README.md and docs/*.md written from the code (testing/docs.py).
docs: install
	$(BIN)/python -m testing.docs

# Benchmarks (docs/benchmarks.md): the project side by side with the plain
# styleguide path, on PostgreSQL and Redis, and the pipeline on Redis and
# RabbitMQ side by side (each started here when not running).
# bench-quick is a smoke run with small sizes.
SERVICES := bash -c 'source .ci/services.sh && ensure_postgres && ensure_redis && ensure_rabbitmq'

# The full run also draws its headline figures as PNG charts in docs/bench/.
bench: install
	$(SERVICES)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.charts bench/results/latest.json

bench-quick: install
	$(SERVICES)
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

# Where a worker's time goes per email (pyinstrument call tree in bench/results/).
bench-profile: install
	$(SERVICES)
	$(BIN)/python -m bench.profile
