#!/bin/sh
# `make lock`: refresh the dependency locks from pyproject.toml (and pins.txt).
#   requirements/lock.txt      what runs: the Docker image and the systemd install
#   requirements/dev-lock.txt  the same versions plus the dev extra and the build backend
#                              (make setup, make test, .ci/run)
# Versions already locked are kept where they still fit, so adding a dependency to pyproject.toml
# and running `make lock` changes only what it must; `make lock UPGRADE=1` takes the newest
# versions that fit. Each entry carries the sha256 of every file PyPI has for that version, so
# pip refuses anything else (--require-hashes in install.sh).
#
# pip-compile (pip-tools, pinned below) resolves through pip, so it sees what pip sees: PyTorch's
# CPU index when it is reachable, and pip's own configuration (a local wheel directory on
# machines that keep one). It never waits long on an unreachable index.
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-python3}
TOOLS=.venv-lock
TORCH_CPU_INDEX=${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}

if [ ! -x "$TOOLS/bin/pip-compile" ]; then
    "$PY" -m venv "$TOOLS"
    "$TOOLS/bin/pip" install --quiet pip-tools==7.6.2
fi
upgrade=""
if [ "${UPGRADE:-0}" = 1 ]; then upgrade=--upgrade; fi

compile() {
    CUSTOM_COMPILE_COMMAND="make lock" "$TOOLS/bin/pip-compile" --quiet $upgrade \
        --generate-hashes --allow-unsafe --strip-extras \
        --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
        --pip-args "--extra-index-url $TORCH_CPU_INDEX --timeout 15 --retries 0" \
        -c requirements/pins.txt "$@" pyproject.toml
}
compile -o requirements/lock.txt
compile --extra dev --all-build-deps -c requirements/lock.txt -o requirements/dev-lock.txt
echo "Locked: requirements/lock.txt, requirements/dev-lock.txt (commit both)."
