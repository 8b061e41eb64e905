# Two commands on a fresh machine: `make run` and `make test`. Each builds the venv
# from requirements.lock first (only when the lock changed).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-$(shell (cat requirements.lock; echo) | cksum | cut -d' ' -f1)
# locust (bench/working_day.py) brings gevent, Flask and pyzmq: pinned apart in bench/requirements.lock so the
# production image (requirements.lock) stays lean; the dev venv has it, for the suite tests the locustfile.
BENCH_STAMP := $(VENV)/.bench-$(shell cat requirements.lock bench/requirements.lock | cksum | cut -d' ' -f1)

# Translations: each app keeps its own <app>/locale/<lang>/LC_MESSAGES/django.po (committed);
# the .mo files are compiled here (Babel: no GNU gettext needed).
MO := $(patsubst %.po,%.mo,$(shell find . -path ./.venv -prune -o -path ./var -prune -o -name '*.po' -print))
# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
CHROMIUM ?= $(shell command -v chromium || echo /usr/bin/chromium)

.PHONY: run test lint lock bench-deps bench-lock clean-var messages browser

$(STAMP): requirements.lock
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# Under requirements.lock's pins (-c), so the shared dependencies never move.
$(BENCH_STAMP): $(STAMP) bench/requirements.lock
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -r bench/requirements.lock
	@rm -f $(VENV)/.bench-*
	@touch $(BENCH_STAMP)

bench-deps: $(BENCH_STAMP)

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel --quiet compile --domain=$(basename $(notdir $<)) -i $< -o $@

# Where `make run` serves: `make run ADDR=127.0.0.1:8150` beside another checkout's demo.
ADDR ?= 127.0.0.1:8000

run: $(STAMP) $(MO)
	$(VENV)/bin/python manage.py run_all --addr $(ADDR)

test: $(STAMP) $(BENCH_STAMP) $(MO) browser
	CHROMIUM=$(CHROMIUM) $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Install Debian's chromium when it is missing and we may (root with apt). Elsewhere the
# browser tests fail with a message saying how to point them at a Chromium (CHROMIUM=...).
browser:
	@test -x "$(CHROMIUM)" || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  echo "Installing Debian's chromium for the browser tests" && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "No Chromium at $(CHROMIUM): the browser tests will fail (apt-get install chromium, or set CHROMIUM=...)"

# Extract the strings to translate into each app's locale/nb/LC_MESSAGES/django.po (needs GNU
# gettext's xgettext; only developers run this). English is the source language.
APPS_WITH_TEXT := agencies cases web controls referrals notifications audit_trail
messages: $(STAMP)
	for app in $(APPS_WITH_TEXT); do (cd $$app && mkdir -p locale && \
	  $(CURDIR)/$(VENV)/bin/django-admin makemessages --locale nb --ignore 'migrations/*') || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# Re-resolve requirements.in into requirements.lock in a scratch venv.
lock:
	rm -rf /tmp/tracker-lock-venv && $(PYTHON) -m venv /tmp/tracker-lock-venv
	/tmp/tracker-lock-venv/bin/pip install --quiet -r requirements.in
	/tmp/tracker-lock-venv/bin/pip freeze --exclude-editable > requirements.lock

# Re-resolve bench/requirements.in under requirements.lock into bench/requirements.lock.
bench-lock: $(STAMP)
	rm -rf /tmp/tracker-bench-lock-venv && $(PYTHON) -m venv /tmp/tracker-bench-lock-venv
	/tmp/tracker-bench-lock-venv/bin/pip install --quiet -r requirements.lock
	/tmp/tracker-bench-lock-venv/bin/pip freeze --exclude-editable | sort > /tmp/tracker-bench-lock-before
	/tmp/tracker-bench-lock-venv/bin/pip install --quiet -c requirements.lock -r bench/requirements.in
	/tmp/tracker-bench-lock-venv/bin/pip freeze --exclude-editable | sort | comm -13 /tmp/tracker-bench-lock-before - \
	  > bench/requirements.lock

# Forget the embedded databases (stop `make run` first).
clean-var:
	rm -rf var/
