#!/usr/bin/env bash
# Regenerate the Java-produced conformance fixtures, or prove the committed ones are Java's.
#
#   conformance/regenerate.sh            rewrite conformance/fixtures/ from the Java generator
#   conformance/regenerate.sh DIR        write the fixtures into DIR instead
#   conformance/regenerate.sh --check    regenerate into a temporary directory and fail if any
#                                        file differs from, is missing from, or is extra to
#                                        conformance/fixtures/
#
# The generator is deterministic (stable case order, no timestamps, stable JSON), so --check
# passes exactly when the committed fixtures are what Apache Avro for Java writes today.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fixtures="$here/fixtures"
check=0
dest="$fixtures"
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  -*) echo "usage: $0 [--check | DIR]" >&2; exit 2 ;;
  *) dest="$1" ;;
esac

tmp="$(mktemp -d "${TMPDIR:-/tmp}/avroframe-fixtures.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
"$here/run-java.sh" FixtureGenerator "$tmp/out" >"$tmp/generator.log" 2>&1 || {
  cat "$tmp/generator.log" >&2
  echo "regenerate.sh: the Java generator failed" >&2
  exit 1
}

if [[ $check -eq 1 ]]; then
  if [[ ! -d "$fixtures" ]]; then
    echo "regenerate.sh: $fixtures does not exist" >&2
    exit 1
  fi
  if ! diff -r -q "$tmp/out" "$fixtures" >"$tmp/diff.txt" 2>&1; then
    sed 's#'"$tmp/out"'#<regenerated>#g' "$tmp/diff.txt" >&2
    echo "regenerate.sh: committed fixtures differ from what Java writes;" \
      "run conformance/regenerate.sh and review the change" >&2
    exit 1
  fi
  count="$(find "$fixtures" -name '*.bin' | wc -l)"
  echo "regenerate.sh: conformance/fixtures matches the Java generator ($count frames)"
  exit 0
fi

mkdir -p "$dest"
find "$dest" -maxdepth 1 -type f \( -name '*.bin' -o -name 'manifest.json' \) -delete
cp "$tmp/out/"* "$dest/"
cat "$tmp/generator.log"
