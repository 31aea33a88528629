# Thin wrappers around the commands in the README. Needs Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PERIOD ?= 2018-09
STAMP  := $(VENV)/.installed

.PHONY: setup pack pack-all metrics test lint synth benchmark clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

## The newcomer's first command: the period pack for PERIOD (default 2018-09) in outputs/PERIOD/
pack: $(STAMP)
	$(BIN)/python -m cpmetrics pack --period $(PERIOD)

## Every monthly pack, one per params/YYYY-MM.yaml
pack-all: $(STAMP)
	$(BIN)/python -m cpmetrics pack --all

## Every test: unit, end-to-end and nbval over the notebooks
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check lib tests benchmarks

clean:
	rm -rf $(VENV) outputs/*/
