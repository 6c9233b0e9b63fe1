# 预算问答 — set-up and everyday commands. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install index run test lint bench bench-log load eval fuzz browser postgres clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

index: install
	$(BIN)/budget-qa index corpus/

run: index
	$(BIN)/budget-qa serve --host 127.0.0.1 --port 7860

# Debian's Chromium for the browser test (a test tool's own browser download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

# Debian's PostgreSQL server binaries for the app database tests (each test run starts its own cluster).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }

lint: install
	$(BIN)/ruff check assistant tests
	$(BIN)/ruff format --check assistant tests

test: install browser postgres lint
	$(BIN)/python -m pytest

# Hypothesis over questions, conversations and document bytes: the fuzz profile's 10,000 examples per test
# (a share of them where one example is a whole index build); `make test` runs a few hundred, always the same
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -m fuzz -p no:cacheprovider --durations=0

# the seed's sets ask about the seed without naming it; the corpus sets name their units
eval: index
	$(BIN)/budget-qa eval --document shanghai-sme-office-2024 ../shared/evals/dev.jsonl evals/questions.jsonl
	$(BIN)/budget-qa eval ../shared/evals/dev_corpus.jsonl evals/corpus.jsonl

bench: install
	$(BIN)/budget-qa bench --scale 1,37,1000

# the helpdesk's question log at its cap, through the real server
bench-log: install
	$(BIN)/python -m assistant.logbench --rows 50000

# the public chat under load through a real server on 127.0.0.1: 20, 100 and 200 visitors asking without a
# pause, 100 reading each answer for 5 s, a flood of wrong logins, memory over 2,000 one-question sessions,
# and `index --force` (without embeddings) adding a budget while 20 visitors ask; one table of every target
LOAD_FLAGS ?=
load: index
	$(BIN)/budget-qa bench --load --requests 600 --paused 100 --pause 5 --flood --sessions 2000 \
		--reindex --no-vectors $(LOAD_FLAGS)

clean:
	rm -rf index/facts.sqlite index/chroma build *.egg-info
