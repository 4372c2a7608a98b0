# provision: `make demo` and `make test` set up everything from a clean checkout.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
NODE_DIR := $(TOOLS)/node
NODE_BIN := $(NODE_DIR)/node_modules/node/bin/node
export PATH := $(CURDIR)/$(NODE_DIR)/node_modules/node/bin:$(PATH)
export CHECKPOINT_DISABLE := 1
# This machine has no instance metadata service; do not let botocore wait for one.
export AWS_EC2_METADATA_DISABLED := true
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# This checkout's checkov (an installed provision finds its own in the user cache: provision doctor --fix).
export PROVISION_CHECKOV := $(CURDIR)/$(TOOLS)/checkov-venv/bin/checkov

.PHONY: setup test demo bench docs dist clean aws-provider e2e chromium

setup: $(VENV)/.installed node providers checkov chromium

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,sagemaker]'
	touch $@

# jsii needs Node 22+; the machine's may be older (Node 20 is end-of-life for jsii).
node:
	@major=$$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'); \
	if [ -x $(NODE_BIN) ] || [ "$${major:-0}" -ge 22 ]; then exit 0; fi; \
	echo "installing Node 22 into $(NODE_DIR) (npm package node@22)"; \
	npm install --silent --no-audit --no-fund --prefix $(NODE_DIR) node@22 && $(NODE_BIN) --version

providers: $(VENV)/.installed
	@if [ -f scripts/provider_mirror.py ]; then $(PY) scripts/provider_mirror.py; fi

checkov:
	@if [ -f scripts/install_checkov.sh ]; then bash scripts/install_checkov.sh; fi

# Debian's chromium for the HTML report's browser test (tests/audit/test_html_in_browser.py). It needs root (or
# sudo without a password) and apt-get; where neither is there, that test is skipped and says why.
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then as_root=""; elif sudo -n true 2>/dev/null; then as_root="sudo -n"; else as_root=none; fi; \
	if [ "$$as_root" = none ] || ! command -v apt-get >/dev/null 2>&1; then \
	  echo "chromium: not installed (needs root and apt-get); the HTML report's browser test will be skipped"; exit 0; fi; \
	echo "installing chromium (apt-get) for the HTML report's browser test"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || \
	{ $$as_root apt-get update -qq >/dev/null && $$as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || \
	echo "chromium: apt-get could not install it; the HTML report's browser test will be skipped"

test: setup
	$(VENV)/bin/pytest -q -p no:cacheprovider

demo: setup
	bash scripts/demo.sh

# The sdist and the wheel users install (pipx install dist/provisioner_ml-*.whl; the distribution is provisioner-ml, the command provision); `build` is pinned in the test extra.
dist: $(VENV)/.installed
	rm -rf dist
	$(PY) -m build --outdir dist .

# The AWS provider from its Go module into the user cache (long: start it early). REF=commit RELEASE=x.y.z optional.
aws-provider: $(VENV)/.installed
	$(PY) -m provisioner.engine.aws_provider $(if $(REF),--ref $(REF)) $(if $(RELEASE),--release $(RELEASE))

# Every shipped blueprint through plan, apply and destroy on the real AWS provider, against the local cloud.
e2e: setup aws-provider
	$(VENV)/bin/pytest -q -p no:cacheprovider -m e2e tests/e2e

bench: setup
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) $(TOOLS) .build dist cdktf.out examples/acme/cdktf.out examples/acme/.provision
