# policywatch: the single entry point. `make test` and `make demo` work on a fresh clone.
# The first Python >= 3.11 on the PATH (or `make PYTHON=/path/to/python3.x ...`).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3.11 python3; do \
	  command -v $$p >/dev/null 2>&1 && \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; \
	done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.PHONY: test demo lint typecheck pytest install browser office bench clean screenshots

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "policywatch needs Python >= 3.11 (python3.11 ... python3.14)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The demo needs policywatch only; the tests also need its test extras. An editable install
# compiles no bytecode, and where PYTHONDONTWRITEBYTECODE is set nothing ever writes it: every
# `policywatch` process would compile the project again (about 0.2 s of CPU), hence compileall.
COMPILE := $(BIN)/python -m compileall -q monitor parsers notifications state >/dev/null

$(RUN_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	$(COMPILE)
	touch $(RUN_STAMP)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(COMPILE)
	touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check monitor parsers notifications state tests bench
	$(BIN)/ruff format --check monitor parsers notifications state tests bench

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/lint-imports

# The end-to-end review UI tests drive Debian's chromium (Playwright, executable_path);
# a CJK font makes the Chinese pages (and their screenshots) legible.
browser:
	command -v chromium >/dev/null && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || \
	  (apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-microhei)

# The parser runs local programs for some formats: LibreOffice (.doc/.wps/.rtf -> DOCX),
# poppler's pdftoppm and Tesseract with its Simplified Chinese model (scanned PDFs).
office:
	command -v soffice >/dev/null && command -v pdftoppm >/dev/null && \
	  tesseract --list-langs 2>/dev/null | grep -qx chi_sim || \
	  (apt-get update && apt-get install -y --no-install-recommends \
	    libreoffice-writer-nogui poppler-utils tesseract-ocr tesseract-ocr-chi-sim)

# One pytest worker per core (`make test PYTEST_WORKERS=0` runs in this process, for pdb).
PYTEST_WORKERS ?= auto

pytest: $(STAMP) browser office
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)

test: lint typecheck pytest

# Refresh the README's screenshots from the browser tests' latest run.
screenshots: $(STAMP) browser
	$(BIN)/pytest -q tests/web/test_browser.py tests/web/test_desk_browser.py tests/notifications/test_email_browser.py \
	  tests/web/test_ocr_warning.py
	mkdir -p docs/screenshots && cp tests/artifacts/screenshots/*.png docs/screenshots/

demo: $(RUN_STAMP)
	$(BIN)/policywatch demo

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache
