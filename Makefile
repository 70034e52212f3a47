# Everything a fresh clone needs: `make demo` and `make test` set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: setup demo test lint unit integration fuzz-long bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

## The demo: local Kafka + worker + bundled samples, printed, then cleaned up.
demo: setup
	$(BIN)/wirefeed demo

## The whole test suite: lint, types, unit, bounded fuzz, integration on a real broker
## (the pinned Kafka 3.9.2), then the integration tests again on Kafka 4.1.1.
test: setup lint
	$(BIN)/pytest
	WIREFEED_KAFKA_VERSION=4.1.1 $(BIN)/pytest tests/integration

lint: setup
	$(BIN)/ruff check streams tests bench
	$(BIN)/ruff format --check streams tests bench
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration

## Long fuzz run (not in CI): FUZZ_EXAMPLES=20000 make fuzz-long
fuzz-long: setup
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-20000} $(BIN)/pytest tests/unit -k fuzz -p no:cacheprovider

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .wirefeed .pytest_cache .mypy_cache .ruff_cache
