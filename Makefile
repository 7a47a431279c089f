# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)
WAREHOUSE ?= $(if $(DASHBOARD_WAREHOUSE),$(DASHBOARD_WAREHOUSE),data/warehouse)
PORT ?= 8501

.PHONY: run serve test lint unit warehouse demo ingest bench reliability replay clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make run: set up, build the demo warehouse if it is missing, serve on http://localhost:$(PORT)
run: $(VENV)/.runtime warehouse serve

serve:
	$(PY) -m streamlit run dashboard/serve.py --server.port $(PORT)

## The demo intake and the reference statistics, built once (a no-op when the warehouse exists)
warehouse: $(VENV)/.runtime
	$(PY) -m dashboard.build --if-missing

## Rebuild the demo warehouse from scratch
demo: $(VENV)/.runtime
	$(PY) -m dashboard.build --force

## make ingest FILE=export.csv
ingest: $(VENV)/.runtime
	$(PY) -m dashboard.ingest $(FILE)

## make test: lint and every test, the browser ones included
test: $(VENV)/.dev
	bash scripts/ensure-chromium
	bash scripts/ensure-poppler
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n 2

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(VENV)/.dev
	bash scripts/ensure-chromium
	$(PY) -m bench
	$(PY) -m bench.backtest --update-docs

reliability: $(VENV)/.dev
	bash scripts/ensure-chromium
	$(PY) -m bench.reliability

SPEED ?= 60
replay: $(VENV)/.runtime
	$(PY) -m dashboard.replay --speed $(SPEED)

## make backtest: calibration of the time-to-cap forecast on simulated intakes (figures in docs/forecast.md)
.PHONY: backtest
backtest: $(VENV)/.runtime
	$(PY) -m bench.backtest --update-docs

clean:
	rm -rf $(VENV) data/warehouse data/demo

## make a11y: the language and accessibility checks alone (docs/accessibility.md); `make test` runs them too
.PHONY: a11y screenshots
a11y: $(VENV)/.dev
	bash scripts/ensure-chromium
	$(PY) -m pytest tests/test_i18n_complete.py tests/test_i18n_format.py tests/test_palette.py \
		tests/test_pages_a11y.py tests/test_browser_a11y.py

## make screenshots: the README's Overview screenshots in English and French, from a fresh demo build
screenshots: $(VENV)/.dev
	bash scripts/ensure-chromium
	$(PY) scripts/screenshots.py
