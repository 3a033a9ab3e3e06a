# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV := DJANGO_DEBUG=true

.PHONY: run test lint install migrate content bench clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: on Debian run 'apt-get install python3-venv'"; exit 1; }
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV) $(PY) manage.py migrate --noinput

content: migrate
	$(DEV) $(PY) manage.py import_content

run: content
	$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

# The suite runs on both cores (pytest-xdist), then the browser tests (one Chromium per core).
test: install
	$(PY) -m pytest -m "not browser" -n 2
	$(PY) -m pytest -m browser -n 2

# The layering contracts in pyproject.toml (e.g. models never import the page cache or the admin).
lint: install
	$(DEV) $(VENV)/bin/lint-imports

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
