# Two commands on a fresh machine: `make run` (the main job) and `make test` (the whole suite).
# Each creates the environments it needs, idempotently, from the pinned files in requirements/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VENV_TZREC := .venv-tzrec
PY := $(VENV)/bin/python

.PHONY: run test test-cost setup setup-spark lint generate build profile oracle clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: requirements/main.txt requirements/main.lock.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/main.txt -c requirements/main.lock.txt
	touch $@

# torch + tzrec live apart from dbt: tzrec breaks on protobuf >= 5.26, dbt-core needs >= 6.
$(VENV_TZREC)/.installed: requirements/tzrec.txt requirements/tzrec-nodeps.txt requirements/tzrec.lock.txt
	$(PYTHON) -m venv $(VENV_TZREC)
	$(VENV_TZREC)/bin/pip install --quiet --disable-pip-version-check -r requirements/tzrec.txt -c requirements/tzrec.lock.txt
	$(VENV_TZREC)/bin/pip install --quiet --disable-pip-version-check --no-deps -r requirements/tzrec-nodeps.txt
	touch $@

setup: $(VENV)/.installed $(VENV_TZREC)/.installed  ## create both environments

# The optional Spark extra (dbt-spark session method + pyspark, about 630 MB; needs Java 17), in .venv.
$(VENV)/.spark-installed: $(VENV)/.installed requirements/spark.txt requirements/spark.lock.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/spark.txt -c requirements/main.lock.txt -c requirements/spark.lock.txt
	touch $@

setup-spark: $(VENV)/.spark-installed  ## add the Spark extra to .venv (dbt build --target spark; docs/guide/scaling.md)

run: setup  ## the main job: data (generated if missing), dbt build, train, predict, score, submit
	$(PY) -m runner run

# sqlfluff --processes 0: one linting process per core (its dbt templater compiles each file; 2 min 27 s
# in one process, 1 min 26 s in two on the 2-core machine).
# pytest -n $(TEST_WORKERS) --dist loadgroup: two pytest-xdist workers fill the cores that one leaves idle
# while it starts processes (dbt parses, torch imports, the Spark JVM); each file's tests, and every test of
# the shared generated build, stay on one worker (tests/conftest.py).
TEST_WORKERS ?= 2

test: $(VENV)/.installed $(VENV_TZREC)/.installed $(VENV)/.spark-installed  ## the whole test suite: lint, unit, dbt integration (DuckDB and Spark parity), tzrec smoke
	mkdir -p data outputs
	$(VENV)/bin/ruff check runner tests
	$(VENV)/bin/sqlfluff lint models_sql dbt_project --disable-progress-bar --nocolor --processes 0
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

# Each test file alone on one worker, and the linters: CPU and wall seconds per part (tests/suite_cost.py;
# on an idle machine, about 28 minutes).
test-cost: $(VENV)/.installed $(VENV_TZREC)/.installed $(VENV)/.spark-installed  ## what each part of the suite costs, in CPU seconds
	mkdir -p data outputs
	$(PY) tests/suite_cost.py

lint: $(VENV)/.installed  ## ruff and sqlfluff only
	$(VENV)/bin/ruff check runner tests
	$(VENV)/bin/sqlfluff lint models_sql dbt_project --disable-progress-bar --nocolor --processes 0

generate: $(VENV)/.installed  ## synthetic data at the default scale (20,000 users) into data/raw/
	$(PY) -m runner generate

build: $(VENV)/.installed  ## dbt build on data/raw/
	$(PY) -m runner build

clean:  ## remove dbt artefacts (keeps data/ and the environments)
	rm -rf target logs
