# Two commands on a fresh machine: `make run` and `make test`. Each builds the venv
# from requirements.lock first (only when the lock changed).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-$(shell (cat requirements.lock; echo) | cksum | cut -d' ' -f1)

.PHONY: run test lint lock clean-var

$(STAMP): requirements.lock
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python manage.py run_all

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Re-resolve requirements.in into requirements.lock in a scratch venv.
lock:
	rm -rf /tmp/tracker-lock-venv && $(PYTHON) -m venv /tmp/tracker-lock-venv
	/tmp/tracker-lock-venv/bin/pip install --quiet -r requirements.in
	/tmp/tracker-lock-venv/bin/pip freeze --exclude-editable > requirements.lock

# Forget the embedded databases (stop `make run` first).
clean-var:
	rm -rf var/
