# Thin wrappers around the commands in the README. Needs Python 3.11+ and make.
# `make help` lists every target.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PERIOD ?= 2018-09
LAB_ARGS ?=  # e.g. --no-browser --port 8899
STAMP  := $(VENV)/.installed

.PHONY: help setup pack pack-all metrics validate test lint lab notebooks synth benchmark clean

## List every target
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z-]+:/{if(doc){split($$1,t,":"); printf "  make %-10s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

## Create .venv from requirements.txt (pinned) with the project installed and its Jupyter kernel
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

## The headline measures at PERIOD's reporting date, from params/PERIOD.yaml's data, as JSON
metrics: $(STAMP)
	$(BIN)/python -c "from cpmetrics.params import load_params as l; p = l('params/$(PERIOD).yaml'); \
	  print(p.data, p.period_end.date())" | { read data end; \
	  $(BIN)/python -m cpmetrics metrics --data "$$data" --period-end "$$end"; }

## The data-quality findings of the embedded data
validate: $(STAMP)
	$(BIN)/python -m cpmetrics validate --data data/synthetic

## Every test: unit, end-to-end and nbval over the notebooks
test: $(STAMP)
	$(BIN)/python -m pytest -q

## ruff over the library, tests and benchmarks
lint: $(STAMP)
	$(BIN)/ruff check lib tests benchmarks

## JupyterLab on notebooks/, in the project's environment and with its kernel
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

## Re-execute the committed notebooks in place on the embedded data (after a change to what they show)
notebooks: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace [0-9]*.ipynb
	cd notebooks/region && ../../$(BIN)/jupyter nbconvert --to notebook --execute --inplace [0-9]*.ipynb

## Regenerate the embedded synthetic data, byte for byte (data/synthetic/README.md)
synth: $(STAMP)
	$(BIN)/python -m cpmetrics synth --out data/synthetic --data-to 2018-09-30

## The speed measurements (scripts, not tests): the core measures and reader, then the packs
benchmark: $(STAMP)
	$(BIN)/python benchmarks/core_speed.py
	$(BIN)/python benchmarks/pack_speed.py

## Remove .venv and every pack in outputs/
clean:
	rm -rf $(VENV) outputs/*/
