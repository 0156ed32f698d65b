# Two commands for a new user: `make run` (the chat) and `make test` (the suite).
# Each does all the set-up itself: venv, torch (CPU) first, the package, the models, the index.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
RAG    := $(VENV)/bin/rag
STAMP  := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install models index run test test-fast browser bench eval clean-index

install: $(STAMP) models

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first, or pip pulls a multi-GB CUDA build for sentence-transformers.
$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

models: $(STAMP)
	$(RAG) models fetch

index: install
	$(RAG) index build --if-stale

run: index
	$(PY) -m ui.app

# Debian's chromium and a CJK font for the browser tests (root on these machines).
browser:
	@command -v chromium >/dev/null && fc-list | grep -qi wqy || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

test: index browser
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not model and not browser"

bench: index browser
	$(PY) eval/bench_search.py
	$(PY) eval/bench_browser.py

eval: index
	$(RAG) eval --out eval/reports/latest

clean-index:
	rm -rf indexes/default indexes/.default.*
