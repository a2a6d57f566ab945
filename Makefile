# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
DEV_ENV := DJANGO_DEBUG=true
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format serve bench lock install install-dev clean fonts

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-base: requirements/base.lock | $(BIN)/python
	$(PIP) install -q -r requirements/base.lock
	touch $@

$(VENV)/.installed-dev: requirements/dev.lock | $(BIN)/python
	$(PIP) install -q -r requirements/dev.lock
	touch $@ $(VENV)/.installed-base

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

## make run: install, migrate, load the demo column and serve it on SQLite, with a job worker.
run: install .env
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py setup_roles
	$(DEV_ENV) $(BIN)/python manage.py load_demo --admin admin:admin
	@echo ""
	@echo "  Site:  http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/  (user admin, password admin — development only)"
	@echo ""
	@# The job worker (Huey, SQLite queue in var/) runs beside the server and stops with it.
	$(DEV_ENV) $(BIN)/python manage.py run_huey & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Development settings for `python manage.py …` (manage.py reads .env; real
# environment variables win). Never written over an existing .env.
.env:
	printf '# Written by make run for development; see .env.example for every variable.\nDJANGO_DEBUG=true\n' > $@

# make serve: production settings (debug off, hashed static files, WhiteNoise),
# on plain HTTP on loopback. The secret is made once and kept in var/.
SERVE_SECRET := var/serve-secret-key
PROD_ENV = DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SERVE_SECRET))}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0

$(SERVE_SECRET): | $(BIN)/python
	umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

## make serve: the production setup (gunicorn, WhiteNoise, DEBUG off, a job worker) on plain HTTP, locally.
serve: install $(SERVE_SECRET)
	$(PROD_ENV) $(BIN)/python manage.py migrate --noinput
	$(PROD_ENV) $(BIN)/python manage.py setup_roles
	$(PROD_ENV) $(BIN)/python manage.py load_demo --admin admin:admin
	$(PROD_ENV) $(BIN)/python manage.py collectstatic --noinput -v 0
	@echo ""
	@echo "  Site:  http://$(HOST):$(PORT)/  (production settings, gunicorn)"
	@echo ""
	$(PROD_ENV) $(BIN)/python manage.py run_huey & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PROD_ENV) GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py config.wsgi

## make bench: build a 2,000-episode archive in a throw-away database and load it with wrk.
bench: install-dev
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## make test: lint, migrations check, the whole suite (DATABASE_URL picks the database).
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make lock: re-resolve requirements/*.lock from the ranges in pyproject.toml.
lock: install-dev
	$(PIP) install -q pip-tools
	$(BIN)/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links \
		-o requirements/base.lock pyproject.toml
	$(BIN)/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links \
		--extra dev -o requirements/dev.lock pyproject.toml

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache

## make fonts: rebuild static/fonts/ and columns/fonts/ from the pretendard npm package (outputs are committed).
fonts: install-dev
	mkdir -p var/fonts-build
	cd var/fonts-build && npm install --no-audit --no-fund --no-save pretendard@1.3.9
	$(BIN)/python tools/build_fonts.py
