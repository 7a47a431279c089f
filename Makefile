# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)
WAREHOUSE ?= $(if $(DASHBOARD_WAREHOUSE),$(DASHBOARD_WAREHOUSE),data/warehouse)
PORT ?= 8501

.PHONY: run serve test lint unit warehouse demo ingest bench reliability replay clean

# --no-compile: Python compiles the modules it imports on first use; compiling every module of every
# package up front (plotly alone has thousands) took about 45 % of a fresh install.
# So Python must be allowed to keep what it compiled: with PYTHONDONTWRITEBYTECODE set (some shells and CI
# images set it), every process started from a fresh venv compiled streamlit, pandas and plotly again, about
# 2.5 s of CPU for each ingest command and 3.5 s for each server the tests start (some 50 in `make test`).
unexport PYTHONDONTWRITEBYTECODE

# Each stamp holds a copy of the requirements it installed: the installer runs only when their content changed
# (a checkout, a pull or a new worktree gives the files a new date without changing them).
# The packages are installed by uv (pinned in requirements-setup.txt, installed into the venv by the venv's own
# pip): it resolves and installs the ~60 packages of requirements-dev.txt in about 5 s of CPU where pip took
# about 45 (docs/performance.md, "Test suite"). Like pip with --no-compile, uv compiles nothing up front.
UV := $(VENV)/bin/uv
$(VENV)/.setup: requirements-setup.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@cmp -s requirements-setup.txt $@ || $(PY) -m pip install --quiet --no-compile -r requirements-setup.txt
	@cp requirements-setup.txt $@

$(VENV)/.runtime: requirements.txt $(VENV)/.setup
	@cmp -s requirements.txt $@ || $(UV) pip install --quiet --python $(PY) -r requirements.txt
	@cp requirements.txt $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	@cmp -s requirements-dev.txt $@ || $(UV) pip install --quiet --python $(PY) -r requirements-dev.txt
	@cp requirements-dev.txt $@

## make run: set up, build the demo warehouse if it is missing, serve on http://localhost:$(PORT)
run: $(VENV)/.runtime warehouse serve

## make serve REPLICAS=N: N Streamlit processes behind nginx on one address (docs/scaling.md)
REPLICAS ?= 1
serve:
ifeq ($(REPLICAS),1)
	$(PY) -m streamlit run dashboard/serve.py --server.port $(PORT)
else
	bash scripts/ensure-nginx
	$(PY) -m dashboard.replicas --replicas $(REPLICAS) --port $(PORT)
endif

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
# Two xdist workers on two cores. Four were tried (much of a test's time is waiting: pages settling, servers
# starting, fsyncs), and on ten modules gave 39 % less wall; but on the whole suite, clean clone, quiet machine,
# one after the other at 12:12 and 12:23 UTC on 4 Dec 2026: -n 4 took 9 min 23 s with the replay test timing
# out (each worker starts its own Chromium and shared servers), -n 2 8 min 27 s, all passed.
# docs/performance.md, "Test suite". TEST_WORKERS=N make test to try another count.
TEST_WORKERS ?= 2
test: $(VENV)/.dev
	bash scripts/ensure-chromium
	bash scripts/ensure-poppler
	bash scripts/ensure-nginx
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(VENV)/.dev warehouse
	bash scripts/ensure-chromium
	$(PY) -m pytest -m slow tests/test_bench.py
	$(PY) -m bench
	$(PY) -m bench.ingest_speed --rows 1000000 --rows 10000000
	$(PY) -m bench.rerun --update-docs
	$(PY) -m bench.backtest --update-docs
	$(PY) -m bench.brief

reliability: $(VENV)/.dev
	bash scripts/ensure-chromium
	$(PY) -m pytest -m slow tests/test_faults.py
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

## make screenshots: the README's screenshots (Overview, Velocity, Country of origin; 1440x900 and 390x844; English and
## French: docs/img/<page>-<desktop|phone>-<lang>.png), from a fresh demo build
screenshots: $(VENV)/.dev
	bash scripts/ensure-chromium
	$(PY) scripts/screenshots.py

## make i18n: the French catalogues, one per area (dashboard/locale/fr/LC_MESSAGES/<area>.po), kept with
## Babel's own tools: each area's marked strings (babel.cfg: t(), N_(), the metrics' descriptions) are
## extracted from its files and merged into its catalogue. Translate the empty msgstr entries it leaves,
## then run tests/test_i18n_complete.py. A string used in two areas sits in both catalogues.
I18N_extracts := $(wildcard dashboard/extract.py dashboard/cli.py dashboard/metrics.py dashboard/views/extracts.py \
	dashboard/views/admin.py)
I18N_ingest := $(wildcard dashboard/history.py dashboard/logs.py dashboard/ingest.py dashboard/ingest/*.py \
	dashboard/views/ingest_history.py)
I18N_forecast := $(wildcard dashboard/forecast*.py dashboard/views/time_to_cap.py dashboard/views/plan.py)
I18N_brief := $(wildcard dashboard/brief.py dashboard/alerts.py dashboard/views/brief*.py dashboard/views/alert*.py)
I18N_security := $(wildcard dashboard/access.py dashboard/permissions.py dashboard/signin.py dashboard/serve.py dashboard/ui/gate.py)
I18N_OWN := $(I18N_extracts) $(I18N_ingest) $(I18N_forecast) $(I18N_brief) $(I18N_security)
I18N_pages := $(filter-out $(I18N_OWN),$(wildcard dashboard/views/*.py dashboard/reference.py))
I18N_core := $(filter-out $(I18N_OWN) $(I18N_pages),$(wildcard dashboard/*.py dashboard/*/*.py))
I18N_AREAS := core pages extracts ingest forecast brief security
.PHONY: i18n
i18n: $(VENV)/.runtime
	mkdir -p tmp/i18n
	$(foreach a,$(I18N_AREAS),$(PY) -m babel.messages.frontend extract -F babel.cfg --no-default-keywords \
		-k t -k N_ -k tn:1,2 --add-location=file --sort-output --omit-header -w 100 -o tmp/i18n/$(a).pot $(I18N_$(a)) && \
		$(PY) -m babel.messages.frontend update -i tmp/i18n/$(a).pot -d dashboard/locale -D $(a) -l fr \
		--init-missing --no-fuzzy-matching --ignore-obsolete --omit-header -w 100 &&) true
