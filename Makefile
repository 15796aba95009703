# Two commands for a fresh machine with Python 3.11+ and make:
#   make run   installs from Pipfile.lock, migrates, loads demo data, serves http://127.0.0.1:8000/graphql (SQLite);
#              PORT=8001 for another port
#   make test  runs the whole suite (SQLite, or PostgreSQL when DATABASE_URL points at it)
PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
PIPENV := .tools/bin/pipenv
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
RUN := $(PIPENV) run

.PHONY: install run test lint benchmark clean

# pipenv itself lives in a small venv of its own, so nothing is installed into the system Python.
$(PIPENV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check pipenv==$(PIPENV_VERSION)

.venv/.installed: $(PIPENV) Pipfile.lock
	$(PIPENV) sync --dev
	touch $@

install: .venv/.installed

# `make run PORT=8080` for another port. The port is checked first, before anything is installed or migrated.
PORT ?= 8000

run:
	@$(PYTHON) -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
	s.bind(("127.0.0.1", int(sys.argv[1])))' $(PORT) 2>/dev/null || { \
	echo "make run: port $(PORT) on 127.0.0.1 is already in use (another server?). Stop it, or pick another port: make run PORT=8001" >&2; \
	exit 1; }
	@$(MAKE) --no-print-directory install
	$(RUN) python manage.py migrate --noinput
	$(RUN) python manage.py seed_demo
	$(RUN) python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(RUN) pytest

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy .

benchmark: install
	$(RUN) python manage.py benchmark

clean:
	rm -rf .venv .tools db.sqlite3 db.sqlite3-*
