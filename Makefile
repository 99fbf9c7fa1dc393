# Three targets, each makes its own .venv: run, test, bench.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export ANTT_DB ?= var/antt.duckdb

.PHONY: run test bench chromium postgresql nginx lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

## run: set up, create the database with the demo data if there is none, serve on :8501
run: $(VENV)/.installed
	$(VENV)/bin/antt init
	$(VENV)/bin/antt serve --port 8501

## chromium: the browser tests drive Debian's chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

## postgresql: the store tests start their own throwaway server from Debian's binaries
## (with PostGIS, so the live layers' geometry columns are tested too)
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
	  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || { \
	  echo "installing Debian postgresql and postgis for the store tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql postgresql-postgis; }

## nginx: a browser test runs the README's deployment (docs/province/nginx-antt.conf)
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  echo "installing Debian nginx for the proxy test"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx; }

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .

## test: set up with the test extras, install chromium, postgresql and nginx if missing,
## lint, run the suite
test: $(VENV)/.installed-test chromium postgresql nginx lint
	$(PY) -m pytest

## bench: benchmarks beside their baselines, measured in one run
bench: $(VENV)/.installed-test
	$(PY) -m bench

clean:
	rm -rf $(VENV) var
