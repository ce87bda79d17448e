# Set-up and everyday commands. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
APT_PACKAGES := chromium chromium-driver fonts-noto-cjk wrk

.PHONY: install system-deps run simulate pipeline serve test security bench lint clean

install:  ## Python environment from the lock file, dbt manifest; runs nothing else
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	$(UV) run python -c "from pipelines.orchestrate import ensure_dbt_manifest; ensure_dbt_manifest()"

system-deps:  ## Debian packages the tests and benches need (headless Chromium, CJK fonts, wrk)
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/wrk ] || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); fi; \
	fi

run: install  ## simulate a district (once), materialize every asset, serve everything
	@test -f var/sim/truth/appointments.parquet || $(UV) run healthops simulate
	$(UV) run healthops pipeline
	$(UV) run healthops serve

simulate: install
	$(UV) run healthops simulate

pipeline: install
	$(UV) run healthops pipeline

serve: install
	$(UV) run healthops serve

test: install system-deps  ## the whole test suite (what CI runs)
	$(UV) run pytest

security: install system-deps  ## attackers' tools (schemathesis, sqlmap, payload corpus) against the live API; part of `make test`
	$(UV) run pytest tests/security

bench: install system-deps
	$(UV) run python bench/pipeline.py
	$(UV) run python bench/security.py
	$(UV) run python bench/jobs.py

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

clean:  ## reset the platform: all runtime state lives under var/
	rm -rf var
