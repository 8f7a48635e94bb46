# Two commands do everything: `make repro` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_DIR := src/codeprep/signals/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: repro test install data lint format bench clean exps

## install: create .venv and install the pinned dependencies (requirements.lock) and codeprep itself
install: $(STAMP) $(NODE_STAMP)

## the syntax validators' reference parsers (TypeScript 5, acorn, postcss, parse5, @mdx-js/mdx), pinned
## by their package-lock.json; --ignore-scripts: no install script of any package runs
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check pip==24.3.1
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" $(BIN)/pip install -q --no-deps -r requirements.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $(STAMP)

## data: fetch the pinned npm sample into data/npm and the evaluation suite's packages into data/eval
## (each sha512-verified) and record both in the DVC cache
data: install
	$(BIN)/codeprep data fetch --manifest manifest/npm-default.json --dest data/npm
	$(BIN)/codeprep data fetch --manifest manifest/npm-eval.json --dest data/eval
	$(BIN)/dvc add data -q
	@git diff --quiet -- data.dvc 2>/dev/null || \
	  echo "note: data/ now differs from the committed data.dvc (your own data?); commit data.dvc to record it"

## repro: install, fetch the default data, check params.yaml (codeprep check-params), run the whole pipeline
repro: data
	$(BIN)/codeprep check-params
	$(BIN)/dvc repro

## test: lint and the whole test suite (what .ci/run runs)
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## exps: the experiments of HEAD, the few columns a review needs (fits 160 columns; `dvc exp show`
## alone has over 1,000, every cell elided). Add your param: EXTRA='|filter\.default\.max_chars'
EXP_COLUMNS = ^(Experiment|Created|dedup\.threshold|duplication_rate|bpb\.f32\.all\.mean|bpb\.q4_k_m\.all\.mean|completion_bpb\.f32\.mean$(EXTRA))$$
exps: install
	$(BIN)/dvc exp show --no-pager --drop '.*' --keep '$(EXP_COLUMNS)'

## bench: run the benchmarks (figures go to bench/results/); needs `make repro` first; the proxy
## sensitivity runs take about 40 minutes per corpus on 2 cores
bench: data
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/syntax.py
	$(BIN)/python bench/syntax.py --corpus heldout
	$(BIN)/python bench/dedup.py
	$(BIN)/python bench/dedup_scale.py
	$(BIN)/python bench/secret_detection.py
	$(BIN)/python bench/ray_scaling.py
	$(BIN)/python bench/proxy_sensitivity.py
	$(BIN)/python bench/proxy_sensitivity.py --corpus heldout

clean:
	rm -rf out .pytest_cache .ruff_cache bench/work
