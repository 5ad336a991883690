# The two commands the README opens with:
#   make chat   — set up (first time) and talk to the assistant over the bundled policy
#   make test   — set up (first time) and run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup chat test lint bench

$(BIN)/policybot: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of torch first, pinned: unpinned, sentence-transformers pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/policybot

setup: $(BIN)/policybot

chat: setup
	$(BIN)/policybot chat

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check bot handlers tests benchmarks
	$(BIN)/ruff format --check bot handlers tests benchmarks
	$(BIN)/mypy bot

bench: setup
	for b in benchmarks/bench_*.py; do echo "== $$b"; HF_HUB_OFFLINE=1 $(BIN)/python $$b || exit 1; done
