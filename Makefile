# Thin façade: every target bootstraps .venv itself, so any target works on a fresh clone.
# `make reproduce PR=example` is the first command of the README; `make test` the second.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A CPU torch for the runner's local backend and the example; the pin keeps pip from pulling
# the multi-GB CUDA build on machines that only need the CPU one.
TORCH_SPEC ?= torch==2.13.0
PR ?= example
PYTEST_ARGS ?=
REALREPO_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv test test-unit test-integration test-gpu lint typecheck format bench reproduce \
	check-example schemas docs new-check clean realrepo schema-figures action-requirements gate-vs-check fuzz precommit-main

help:
	@echo "make reproduce PR=example   train+evaluate the bundled example on CPU, then audit it"
	@echo "make reproduce PR=2135      reproduce a PR from its own files (needs GPUs, data, image)"
	@echo "   variables: DRY_RUN=1 BACKEND=local|docker DATA=dir IMAGE=ref SEEDS=42,314 NPROC=8"
	@echo "              PROFILE=official|smoke SHIM=1 FOLDER=records/... OUT=reports ARGS='...'"
	@echo "make check-example          pgolf check on the bundled example submission"
	@echo "make test                   unit, integration and corpus tests"
	@echo "make lint                   ruff + mypy --strict"
	@echo "make bench                  speed figures (pgolf check, code audit, runner overhead)"
	@echo "make realrepo               pgolf check over the real repository snapshot (main + PR heads): figures"
	@echo "make gate-vs-check          the CI gate vs pgolf check on the 40 newest record PRs (GATE_ARGS=...)"
	@echo "make precommit-main         pre-commit --all-files on a clone of main with the adoption config"
	@echo "make schema-figures         submission.json files passing the strict schema, as written and fixed"
	@echo "make fuzz                   hostile folders, JSON and git trees through check/validate/ci (FUZZ_ARGS=...)"
	@echo "make image                  build the pinned reproduction image (needs Docker)"

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev,runner]"
	touch $@

# SkyPilot (the `cluster` extra) pins click<8.2, so it gets a venv of its own: tests/unit/cluster run
# SkyPilot's own task loader and SDK contract checks with it (and skip, saying why, without it).
# Users install `pgolf[cluster]` into one environment; only the test venv keeps them apart.
$(VENV)/sky/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)/sky
	$(VENV)/sky/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/sky/bin/python -m pip install --quiet -e ".[cluster]" && touch $@ \
	  || echo "warning: SkyPilot did not install into $(VENV)/sky; its tests will skip" >&2

venv: $(BIN)/.installed $(VENV)/sky/.installed

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: venv
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: venv
	$(BIN)/python -m pytest -m integration $(PYTEST_ARGS)

test-gpu: venv
	$(BIN)/python -m pytest tests/gpu --run-gpu $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv
	$(BIN)/python -m pgolf.bench

# Every record folder on the challenge's main and every folder a PR head adds (../shared snapshot):
# folders, FAILs by rule per policy, crashes and `error` results, median and max time per folder.
realrepo: venv
	$(BIN)/python -m pgolf.realrepo $(REALREPO_ARGS)

# Each variable passes through to `pgolf reproduce` only when set (its defaults live in the CLI).
REPRODUCE_ARGS = $(if $(BACKEND),--backend $(BACKEND)) $(if $(DATA),--data $(DATA)) \
	$(if $(IMAGE),--image $(IMAGE)) $(if $(SEEDS),--seeds $(SEEDS)) $(if $(NPROC),--nproc $(NPROC)) \
	$(if $(PROFILE),--profile $(PROFILE)) $(if $(filter 1 yes true,$(SHIM)),--shim) \
	$(if $(FOLDER),--folder $(FOLDER)) $(if $(OUT),--out $(OUT)) \
	$(if $(filter 1 yes true,$(DRY_RUN)),--dry-run) $(ARGS)

reproduce: venv
	$(BIN)/pgolf reproduce $(PR) $(REPRODUCE_ARGS)

check-example: venv
	$(BIN)/pgolf check submissions/example

# How many submission.json files of the snapshot pass the strict schema, as written and after
# `pgolf submission fix` (needs ../shared/parameter-golf.git.tar; several minutes).
# The CI gate action's dependencies, pinned by hash (a test keeps the file in step with pyproject.toml).
action-requirements: venv
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4"
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --build-deps-for=wheel --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file requirements/action.txt pyproject.toml

# The CI gate on the 40 most recent record-track PRs (head = main + the PR's folder, after
# `pgolf submission fix`): its verdict must equal `pgolf check`'s. GATE_ARGS="--policy leaderboard".
gate-vs-check: venv
	$(BIN)/python -m pgolf.realrepo.gate $(GATE_ARGS)

# Hostile inputs through check, validate, submission fix and ci (hypothesis; 2,000 cases by default,
# each in a forked child): prints cases, uncaught exceptions (must be 0), max wall and peak RSS.
fuzz: venv
	$(BIN)/python scripts/fuzz.py $(FUZZ_ARGS)

# `pre-commit try-repo . --all-files` on a clone of the challenge's main with examples/records-pgolf.toml
# committed as its .pgolf.toml (the records repository's adoption config), the same judgement in-process
# (suppressed findings with their reasons; a stale suppression fails), and the no-config figures per
# policy beside it. pre-commit: PRE_COMMIT=..., else PATH's, else a venv of its own in .venv/pre-commit.
PRE_COMMIT ?= $(or $(shell command -v pre-commit 2>/dev/null),$(VENV)/pre-commit/bin/pre-commit)
$(VENV)/pre-commit/bin/pre-commit:
	$(PYTHON) -m venv $(VENV)/pre-commit
	$(VENV)/pre-commit/bin/python -m pip install --quiet "pre-commit>=3.5"

precommit-main: venv $(PRE_COMMIT)
	$(BIN)/python -m pgolf.realrepo.precommit --pre-commit $(PRE_COMMIT) $(PRECOMMIT_ARGS)

schema-figures: venv
	$(BIN)/python scripts/schema_figures.py $(FIGURES_ARGS)

schemas: venv
	$(BIN)/python -m pgolf.schemas --write

docs: venv
	$(BIN)/python -m pgolf.readme_table

new-check: venv
	$(BIN)/python scripts/new_check.py $(CODE) $(SLUG) $(RULE)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache reports

-include docker/Makefile.inc
