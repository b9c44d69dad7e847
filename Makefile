# One entry point for the package's scripts. Each target does one step.
SOURCES ?= ../shared/sources
PY ?= .venv/bin/python
CLI ?= .venv/bin/cartel-directive

.PHONY: setup validate build check test smoke
setup:            ## create .venv and install the package with its dev tools
	python3 -m venv .venv && $(PY) -m pip install -q -e ".[dev]"
validate:         ## run every check, with the source archive
	$(CLI) validate --sources $(SOURCES) --require-provenance
build:            ## recompute offsets, sizes, hashes (atomic)
	$(CLI) build --sources $(SOURCES)
check:            ## fail if any generated file is stale
	$(CLI) build --check --sources $(SOURCES)
test:             ## the README's test command
	bash .ci/run
smoke:            ## build the wheel, install it in a fresh venv, smoke-test it
	bash scripts/smoke_wheel.sh

.PHONY: docs docs-check r-example
docs:             ## regenerate the codebook, the README blocks, the datasheet counts, the figures, .zenodo.json and croissant.json
	$(PY) scripts/docs.py && $(PY) scripts/figures.py && $(PY) scripts/metadata.py
docs-check:       ## fail if any generated document, figure or metadata file is stale
	$(PY) scripts/docs.py --check && $(PY) scripts/figures.py --check && $(PY) scripts/metadata.py --check
r-example:        ## read every table in R with the schemas' types (needs Rscript, readr, jsonlite)
	Rscript examples/read.R .

.PHONY: bench reliability
BENCH_VENV ?= .venv-bench
bench:            ## the benchmarks at 10k, 100k and 1M rows, in a fresh venv with only .[validate] as users install it (slow; writes docs/benchmarks.md)
	rm -rf $(BENCH_VENV) && python3 -m venv $(BENCH_VENV) && $(BENCH_VENV)/bin/pip install -q ".[validate]"
	$(BENCH_VENV)/bin/python scripts/bench/run.py $(BENCH_ARGS)
reliability:      ## the mutation report (docs/reliability.md)
	$(PY) scripts/reliability_report.py
