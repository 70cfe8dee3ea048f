#!/usr/bin/env bash
# The whole test suite, as CI runs it: starts a real Kafka broker and a real schema registry
# (both from Maven Central), then runs tox: lint (ruff, import contracts), type (mypy --strict),
# py311, py312 and py313 (pytest: unit, property, contract, integration, conformance, once per
# supported Python) and kafka-python2 (the adapter tests again on kafka-python 2.x). Stops the
# servers after.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The interpreter that runs tox and the servers' health checks, as an absolute path (PATH
# changes below must not change it).
PY="$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')"
# tox runs the suites in its own virtualenvs; the servers' health checks need a Kafka client here.
"$PY" -m pip install --quiet --disable-pip-version-check "tox>=4.11" "confluent-kafka>=2.0" "kafka-python>=2.0"
export PYTHON="$PY"

# tox finds python3.11/3.12/3.13 on PATH. Interpreters installed through pyenv but not on PATH are
# linked into a folder of their own (only pythonX.Y, so that python3 and pip stay as they were).
PYTHONS_DIR="$(pwd)/.run/pythons"
mkdir -p "$PYTHONS_DIR"
for version in 3.11 3.12 3.13; do
  if ! "python$version" -c '' 2>/dev/null; then
    for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin; do
      if [[ -x "$dir/python$version" ]]; then
        ln -sf "$dir/python$version" "$PYTHONS_DIR/python$version"
        break
      fi
    done
  fi
done
export PATH="$PYTHONS_DIR:$PATH"
ENVS="${AVROFRAME_TOX_ENVS:-lint,type,py311,py312,py313,kafka-python2}"

cleanup() {
  bash scripts/registry.sh stop || true
  bash scripts/kafka.sh stop || true
}
if [[ -z "${AVROFRAME_KEEP_SERVERS:-}" ]]; then trap cleanup EXIT; fi

bash scripts/kafka.sh start
bash scripts/registry.sh start
export AVROFRAME_BOOTSTRAP="127.0.0.1:${AVROFRAME_KAFKA_PORT:-19092}"
export AVROFRAME_REGISTRY_URL="http://127.0.0.1:${AVROFRAME_REGISTRY_PORT:-18081}/apis/ccompat/v7"

# pytest's exit status 5 ("no tests collected") is non-zero, so tox, and this script, fail on it.
# (Without arguments each environment runs its own default test paths.)
if [[ $# -gt 0 ]]; then
  "$PY" -m tox run -e "$ENVS" -- "$@"
else
  "$PY" -m tox run -e "$ENVS"
fi
