# Timbre: `make run` opens the studio, `make test` runs the whole suite. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.timbre-installed
TORCH_VERSION ?= 2.13.0
# A second environment with transformers 4.57 (the official package's line), for
# `make test-transformers4`; .venv gets whatever pip resolves today (5.x).
TF4_VENV ?= .venv-tf4
TF4_STAMP := $(TF4_VENV)/.timbre-installed
TF4_REQUIREMENT := 'transformers>=4.57.3,<5'

.PHONY: run test test-transformers4 lint format screenshots clean

# $(call make_venv,FOLDER,EXTRA REQUIREMENTS): torch first and pinned (a bare `torch`
# requirement would pull a multi-GB CUDA build), then the project with its test tools.
define make_venv
	$(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet torch==$(TORCH_VERSION)
	$(1)/bin/python -m pip install --quiet -e '.[test]' $(2)
	touch $(1)/.timbre-installed
endef

$(STAMP): pyproject.toml Makefile
	$(call make_venv,$(VENV),)

$(TF4_STAMP): pyproject.toml Makefile
	$(call make_venv,$(TF4_VENV),$(TF4_REQUIREMENT))

run: $(STAMP)
	$(PY) -m desktop_app

test: $(STAMP)
	$(PY) -m pytest

# .venv has the newest transformers 5.x; this runs the engine, the parity suite and the
# library's extraction tests again under 4.57 (what the official package pins), whose Mimi
# encoder names its weights differently and applies no attention window.
test-transformers4: $(TF4_STAMP)
	$(TF4_VENV)/bin/python -m pytest tests/engine tests/library/test_add.py \
		tests/library/test_prompt_for.py tests/library/test_official_pt.py

# The studio's main states as PNGs in docs/screenshots (a virtual X server stands in for a screen).
screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) tools/screenshots.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) $(TF4_VENV) .pytest_cache .ruff_cache
