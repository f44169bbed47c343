# engagement-risk: `make demo` runs the product end to end, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_EXPORT ?= data/demo-export
DEMO_PORT   ?= 3000

export MLFLOW_DISABLE_TELEMETRY := true

.PHONY: demo test install system-packages lint format bench clean

## Create or update .venv and install the project with its dev tools.
install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq python3-venv)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	@touch $(STAMP)

## System packages the test suite needs (installed with apt when missing).
system-packages:
	@scripts/ensure-system-packages.sh \
	  '/usr/lib/postgresql/*/bin/initdb:postgresql' \
	  java:openjdk-17-jre-headless \
	  chromium:chromium \
	  chromedriver:chromium-driver \
	  '/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc:fonts-noto-cjk'


## The main job on the embedded defaults:
## generate -> ingest -> features -> train -> promote -> score every month -> HR report ->
## serve the API and the HR page (prints the page's URL, a demo key and a curl example).
demo: install
	@test -e $(DEMO_EXPORT)/_SUCCESS || \
	  $(BIN)/erisk generate --out $(DEMO_EXPORT) --scenario default --truth
	$(BIN)/erisk ingest $(DEMO_EXPORT)
	$(BIN)/erisk features --all
	$(BIN)/erisk train --truth $(DEMO_EXPORT)
	$(BIN)/erisk promote
	$(BIN)/erisk score --all-months
	$(BIN)/erisk report --month latest --html data/reports/latest.html --csv data/reports/latest.csv
	@echo "HR report: data/reports/latest.html  (CSV for Excel: data/reports/latest.csv)"
	@KEY=$$($(BIN)/erisk keys create --id demo-$$(date +%Y%m%d%H%M%S) --departments all) && \
	  echo "" && \
	  echo "HR page:   http://127.0.0.1:$(DEMO_PORT)/ui/   (sign in with the key below)" && \
	  echo "Demo API key (all departments): $$KEY" && \
	  echo "API:       curl -H 'Authorization: Bearer $$KEY' 'http://127.0.0.1:$(DEMO_PORT)/v1/flagged?lang=ja'" && \
	  echo "Swagger:   http://127.0.0.1:$(DEMO_PORT)/   (Ctrl-C stops the server)" && \
	  echo ""
	$(BIN)/erisk serve --host 127.0.0.1 --port $(DEMO_PORT)

## Every test (slow ones included), after lint.
test: install system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
