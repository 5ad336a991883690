# The two commands the README opens with:
#   make chat   — set up (first time) and talk to the assistant over the bundled policy
#   make test   — set up (first time) and run the test suite
# Everything is installed from requirements/dev-lock.txt (versions and hashes); `make lock`
# refreshes the locks after a change to the dependencies in pyproject.toml.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup chat test lint bench lock

$(BIN)/policybot: pyproject.toml requirements/dev-lock.txt requirements/install.sh
	$(PY) -m venv $(VENV)
	# torch's CPU build first (PyTorch's CPU index, else pip's own), then the rest, hashes checked.
	sh requirements/install.sh $(BIN)/python requirements/dev-lock.txt
	# policybot itself, editable, built with the locked setuptools.
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(BIN)/policybot

setup: $(BIN)/policybot

chat: setup
	$(BIN)/policybot chat

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check bot handlers tests benchmarks deploy
	$(BIN)/ruff format --check bot handlers tests benchmarks deploy
	$(BIN)/mypy bot

bench: setup
	for b in benchmarks/bench_*.py; do echo "== $$b"; HF_HUB_OFFLINE=1 $(BIN)/python $$b || exit 1; done

# Refresh requirements/lock.txt and requirements/dev-lock.txt from pyproject.toml (keeps the
# versions already locked where they fit; UPGRADE=1 takes the newest).
lock:
	PY=$(PY) UPGRADE=$(UPGRADE) sh requirements/lock.sh
