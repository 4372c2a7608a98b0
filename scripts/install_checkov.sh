#!/usr/bin/env bash
# Installs checkov into its own virtual environment, .tools/checkov-venv.
#
# checkov pins an old boto3 (1.35.x), which would downgrade the project's
# boto3 if both lived in one environment: it must NEVER be installed into
# the project's .venv. In this checkout the Makefile and the tests name it with
# PROVISION_CHECKOV; an installed provision gets its own from `provision doctor --fix`
# (the same pinned version, in ~/.cache/provision/checkov-venv). It always runs with --skip-download.
#
# Usage: scripts/install_checkov.sh [PYTHON]     (default: python3)
# Idempotent: does nothing when the pinned version is already installed.
set -euo pipefail

CHECKOV_VERSION="3.3.30"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROOT}/.tools/checkov-venv"
PYTHON="${1:-${PYTHON:-python3}}"

if [[ -x "${VENV}/bin/checkov" ]] && \
   "${VENV}/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('checkov') != '${CHECKOV_VERSION}')" 2>/dev/null; then
  echo "checkov ${CHECKOV_VERSION} already installed in ${VENV}"
  exit 0
fi

case "$(cd "${ROOT}" && realpath -m "${VENV}")" in
  "$(realpath -m "${ROOT}/.venv")"*) echo "refusing to install checkov into the project's .venv" >&2; exit 1 ;;
esac

mkdir -p "${ROOT}/.tools"
"${PYTHON}" -m venv --clear "${VENV}"
"${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==${CHECKOV_VERSION}"
"${VENV}/bin/checkov" --version
echo "checkov ${CHECKOV_VERSION} installed in ${VENV}"
