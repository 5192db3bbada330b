# factcheck: two commands on a fresh clone.
#   make demo   set up everything and serve http://127.0.0.1:8000 with demo data
#   make test   set up everything and run the whole suite
PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3

FUZZ_EXAMPLES ?= 100

.PHONY: demo test lint fmt install serve worker bench bench-adversarial fuzz clean

$(PY):
	@interp=""; \
	for cand in "python$(PYTHON_VERSION)" python3; do \
	  if command -v $$cand >/dev/null 2>&1 && $$cand -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then interp=$$cand; break; fi; \
	done; \
	if [ -z "$$interp" ] && command -v pyenv >/dev/null 2>&1; then \
	  v=$$(pyenv versions --bare | grep -E '^$(PYTHON_VERSION)(\.|$$)' | tail -n 1); \
	  [ -n "$$v" ] && interp="$$(pyenv root)/versions/$$v/bin/python"; \
	fi; \
	if [ -z "$$interp" ]; then echo "factcheck needs Python >= $(PYTHON_VERSION); none found (try pyenv install $(PYTHON_VERSION))." >&2; exit 1; fi; \
	echo "Creating $(VENV) with $$($$interp --version)"; \
	$$interp -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# axe-core for the browser tests' accessibility checks (npm registry, version pinned in
# tests/browser/axe/package.json); skipped with a message where npm is missing.
AXE := tests/browser/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/axe/package.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser/axe --no-audit --no-fund --silent && touch $(AXE); \
	else echo "npm not found: the axe-core accessibility tests will be skipped (CI requires them)." >&2; fi

install: $(STAMP) $(AXE)

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loaddemo
	@echo ""
	@echo "  factcheck is running on http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password: demo): alice, bob (reviewers), erin (editor), rita (researcher), admin (superuser)"
	@echo "  Projects: Demo desk (shared claims) and Blind desk (independent spans: erin curates alice's and bob's layers)"
	@echo "  A background worker (manage.py db_worker) runs beside the server for export files and imports."
	@echo ""
	@$(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

# The background worker alone (production runs one or more beside the app servers).
worker: install
	$(PY) manage.py db_worker --no-reload

# One pytest process per core (pytest-xdist); a file's tests stay in one process
# (--dist loadfile), slow files are handed out first (tests/conftest.py), and the slowest
# tests are listed at the end. TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15 $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Production: DJANGO_DEBUG=0 DJANGO_SECRET_KEY=... DJANGO_ALLOWED_HOSTS=... make serve
serve: install
	@if [ "$${DJANGO_DEBUG:-1}" != "0" ]; then \
	  echo "make serve runs production: set DJANGO_DEBUG=0, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS (make demo is the development server)." >&2; exit 1; fi
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	GUNICORN_BIND=$(HOST):$(PORT) GUNICORN_WORKERS=$(WORKERS) \
	  $(VENV)/bin/gunicorn -c factcheck/gunicorn.conf.py factcheck.wsgi

bench: install
	$(PY) benchmarks/export.py

bench-adversarial: install
	$(PY) benchmarks/adversarial.py

# A longer, randomised schemathesis run than CI's fixed-seed one (tests/test_schemathesis.py).
# It prints the seed it drew: fix what it finds and add the case to tests/test_malformed_requests.py.
fuzz: install
	SCHEMATHESIS_SEED=random SCHEMATHESIS_MAX_EXAMPLES=$(FUZZ_EXAMPLES) SCHEMATHESIS_TIMEOUT=3600 \
	  $(PY) -m pytest tests/test_schemathesis.py -s -q

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles media
