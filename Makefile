# The project's verbs. `make serve` and `make test` do all set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= nianbao.db
PORT ?= 8001
SAMPLES ?= data/samples

.PHONY: serve test lint format db site-db deps browser doc-tools doc-writer bench stress serve-prod docker publish clean

$(BIN)/nianbao: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

deps: $(BIN)/nianbao

# Debian's Chromium and a CJK font (Noto CJK) for the real-browser tests (root on a fresh
# Debian machine): without the font Chinese renders as empty boxes.
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium or a CJK font missing: sudo apt-get install chromium fonts-noto-cjk" >&2; fi; }

# wvWare reads Word 97 .doc/.wps files (ingest/extract/doc.py; root on a fresh Debian machine).
doc-tools:
	@command -v wvWare >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wv >/dev/null; \
	  else echo "wvWare missing: sudo apt-get install wv" >&2; fi; }

# LibreOffice writes the synthetic corpus's Word 97 .doc files (ingest/corpus/word97.py;
# make bench, and `nianbao synth` with doc in its --mix).
doc-writer:
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui >/dev/null; \
	  else echo "soffice missing: sudo apt-get install libreoffice-writer-nogui" >&2; fi; }

db: deps
	$(BIN)/nianbao ingest $(DB) $(SAMPLES)

# What serve, serve-prod and publish serve: the default nianbao.db is built (or brought up
# to date) from the samples; a database named on the command line (make serve-prod DB=…)
# is served as it is and never given the samples.
site-db: deps
ifeq ($(origin DB),file)
	$(BIN)/nianbao ingest $(DB) $(SAMPLES)
else
	@test -f "$(DB)" || { echo "$(DB): no such database (build it: $(BIN)/nianbao ingest $(DB) FOLDER...)" >&2; exit 2; }
endif

# serve, serve-prod (and the image, the benchmark, the tests that run a server) all run
# scripts/serve-prod.sh: Datasette's configuration directory beside the database.
serve: site-db
	HOST=127.0.0.1 bash scripts/serve-prod.sh --mutable $(DB) $(PORT)

test: deps browser doc-tools
	$(BIN)/pytest -q -n 2 --dist loadfile

lint: deps
	$(BIN)/ruff check ingest plugins tests scripts bench
	$(BIN)/ruff format --check ingest plugins tests scripts bench
	$(BIN)/mypy
	@# Cyclomatic complexity: no function of grade E or worse.
	@out="$$($(BIN)/radon cc -n E ingest)"; \
	  if [ -n "$$out" ]; then echo "$$out"; echo "radon: split the functions above"; exit 1; fi

format: deps
	$(BIN)/ruff format ingest plugins tests
	$(BIN)/ruff check --fix ingest plugins tests

# Production-like local run: immutable database, inspect counts, the image's settings.
serve-prod: site-db
	bash scripts/serve-prod.sh $(DB) $(PORT)

bench: deps doc-tools doc-writer
	$(BIN)/python bench/run.py

stress: deps browser
	$(BIN)/pytest -q -m stress -p no:xdist

docker:
	docker build --build-arg REPORTS_DIR=$(SAMPLES) -t nianbao .

publish: site-db
	$(BIN)/datasette publish cloudrun $(DB) --service nianbao --metadata metadata.yml \
	  --plugins-dir plugins --template-dir templates --static static:static --install asgi-gzip \
	  --extra-options "$$(bash scripts/serve-prod.sh --publish-options)"

clean:
	rm -rf $(VENV) $(DB) *.egg-info
