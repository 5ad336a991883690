#!/bin/sh
# Install a lock file made by `make lock` into one Python environment, hashes checked.
#   sh requirements/install.sh PYTHON LOCKFILE             everything in LOCKFILE
#   sh requirements/install.sh PYTHON LOCKFILE NAME...     only these entries, without their
#                                                          dependencies (e.g. setuptools to build)
# torch goes first, from PyTorch's CPU wheel index (TORCH_CPU_INDEX), so that nothing can pull
# the multi-GB CUDA build from PyPI. Where that index cannot be reached (a closed network, a
# machine with its own wheel directory) it gives up at once (short timeout, no retries) and the
# lock is installed from pip's configured index: the lock's hash still admits only the CPU build.
# Used by the Makefile (make setup, so .ci/run), deploy/Dockerfile and the README's systemd steps.
set -eu
PYTHON=$1
LOCK=$2
shift 2
TORCH_CPU_INDEX=${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The lock's entry for one package: its "name==version \" line and the hash lines after it.
entry() {
    awk -v name="$1" 'tolower($0) ~ "^" name "==" { on = 1 }
        on { print; if ($0 !~ /\\$/) exit }' "$LOCK"
}

if [ $# -gt 0 ]; then
    for name in "$@"; do
        entry "$name" >>"$tmp/only.txt"
        grep -qi "^$name==" "$tmp/only.txt" || { echo "$LOCK: no entry for $name" >&2; exit 1; }
    done
    exec "$PYTHON" -m pip install --quiet --no-deps --require-hashes -r "$tmp/only.txt"
fi

entry torch >"$tmp/torch.txt"
if [ -s "$tmp/torch.txt" ] && ! "$PYTHON" -m pip install --quiet --no-deps --require-hashes \
    --index-url "$TORCH_CPU_INDEX" --timeout 10 --retries 0 -r "$tmp/torch.txt"; then
    echo "note: PyTorch's CPU index ($TORCH_CPU_INDEX) was not usable; torch comes from the" \
        "configured index instead (the locked CPU build only)." >&2
fi
"$PYTHON" -m pip install --quiet --require-hashes -r "$LOCK"
