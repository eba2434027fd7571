# Two commands: `make run` (install, migrate, load the demo, serve on http://127.0.0.1:5000)
# and `make test` (install test dependencies, Chromium and PostgreSQL when missing, run all tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app.py
MO := consult/translations/nl/LC_MESSAGES/messages.mo
# pytest-xdist workers for `make test` (one per core; 0 runs everything in this process).
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test install install-test translations chromium gettext lint messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

translations: $(MO)
$(MO): consult/translations/nl/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d consult/translations

run: install
	$(BIN)/flask consult upgrade
	$(BIN)/flask consult demo
	CONSULT_INSECURE_COOKIES=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

chromium:
	@test -x /usr/bin/chromium || { echo "Installing Chromium (Debian package)..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# GNU msgfmt: setuptools-gettext compiles the .mo with it when a wheel is built
# (tests/test_packaging.py); without it the build leaves the catalogue out.
gettext:
	@command -v msgfmt >/dev/null || { echo "Installing gettext (Debian package)..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; }

test: install-test chromium gettext
	CONSULT_TEST_POSTGRES_URL="$${CONSULT_TEST_POSTGRES_URL:-$$(.ci/postgres-up)}" $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: install-test
	$(BIN)/ruff check .

# Refresh the message catalogue after changing user-facing strings.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _n:1,2 -k N_ -o consult/translations/messages.pot .
	$(BIN)/pybabel update -i consult/translations/messages.pot -d consult/translations
