# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
DEV := DJANGO_DEBUG=true

.PHONY: help run test lint install migrate content bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 10

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: on Debian run 'apt-get install python3-venv'"; exit 1; }
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed  ## create .venv and install requirements-dev.txt (pinned, hash-checked)

migrate: install  ## apply database migrations (SQLite by default)
	$(DEV) $(PY) manage.py migrate --noinput

content: migrate  ## import the guide from content/
	$(DEV) $(PY) manage.py import_content

run: content  ## set up and serve on http://127.0.0.1:$(PORT)/ (PORT=8000 by default)
	$(DEV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The suite runs on both cores (pytest-xdist), then the browser tests (one Chromium per core).
test: install  ## the whole suite, then the browser tests
	$(PY) -m pytest -m "not browser" -n 2
	$(PY) -m pytest -m browser -n 2

# ruff (lint and format, pyproject.toml), then the layering contracts (e.g. models never import the page cache).
lint: install  ## ruff check, ruff format --check, and the layering contracts in pyproject.toml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV) $(VENV)/bin/lint-imports

bench: install  ## the HTTP benchmark (bench/run.py; needs apt-get install -y wrk nginx)
	$(PY) bench/run.py

clean:  ## remove .venv, collected static files and pytest's cache
	rm -rf $(VENV) staticfiles .pytest_cache
