# Single Window — developer entry points. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup assets run test lint audit fmt bench clean
VENDOR := src/singlewindow/web/static/vendor
ASSETS := $(VENDOR)/.installed

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The portal's front-end packages, from npm (package-lock.json), copied where the node serves
# them; nothing is fetched at run time.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/
	cp node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger-ui.LICENSE
	cp node_modules/htmx.org/LICENSE $(VENDOR)/htmx.LICENSE
	cp node_modules/chart.js/LICENSE.md $(VENDOR)/chart.js.LICENSE.md
	touch $(ASSETS)

assets: $(ASSETS)

setup: $(STAMP) $(ASSETS)

run: setup
	$(BIN)/singlewindow db upgrade
	$(BIN)/singlewindow run

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# Two pytest-xdist workers (each starts its own PostgreSQL and NATS); TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 2
test: setup lint
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup

# Known vulnerabilities in the locked dependencies (PyPI advisory database; needs PyPI).
audit: setup
	$(BIN)/pip-audit -r constraints.txt --no-deps --disable-pip --progress-spinner off

fmt: setup
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR)
