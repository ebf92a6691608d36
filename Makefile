# Two commands a new user needs, each doing all of its own set-up:
#   make serve   create .venv, install rnnlab, start the lesson in the browser
#   make test    create .venv, install the test extras, Debian's chromium, postgresql and redis-server, run the whole suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Small RNNs are bound by per-step overhead: one BLAS thread is faster, and two
# jobs sharing a multithreaded BLAS on 2 cores ran ~30x slower.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: serve test chromium postgresql redis bench vendor clean

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.test: $(VENV)/.base
	$(PY) -m pip install -q -e '.[test]'
	touch $@

serve: $(VENV)/.base
	$(VENV)/bin/rnnlab serve $(ARGS)

# Browser tests drive Debian's chromium; Playwright's own browser download cannot work offline.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }

# The store's tests start their own PostgreSQL server (as the postgres user) on loopback.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q postgresql; }

# The queue's tests start their own redis-server on loopback.
redis:
	@command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q redis-server; }

# The suite runs in TEST_WORKERS processes (pytest-xdist; a file's tests stay in one
# process, with its fixtures): most tests wait on a server, a browser or a training
# process, so two processes on 2 cores finish in about two thirds of the time.
# The fuzz tests run on their own afterwards: schemathesis gives all of them one
# test id, and xdist would run only one of them.
TEST_WORKERS ?= 2
test: $(VENV)/.test chromium postgresql redis
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not fuzz" $(ARGS)
	$(PY) -m pytest -m fuzz tests/web/test_fuzz_api.py

bench: $(VENV)/.test
	$(PY) bench/engine.py

vendor:
	bash scripts/vendor-js.sh

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
