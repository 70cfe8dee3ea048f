#!/usr/bin/env bash
# Build the conformance Java tools (quietly, incrementally) and run one of them.
#
#   conformance/run-java.sh [--kafka] MAIN [ARGS...]
#
# MAIN is a class name in avroframe.conformance (FixtureGenerator, FixtureChecker) or, with
# --kafka, in avroframe.conformance.kafka (KafkaProducerCheck, KafkaConsumerCheck,
# ApicurioSerdeWitness). The first build downloads Apache Avro (and, with --kafka, kafka-clients and
# the Apicurio serde) from Maven Central into ~/.m2; later builds need no network.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$here/java"
profile=()
target="$project/target"
package="avroframe.conformance"
if [[ "${1:-}" == "--kafka" ]]; then
  shift
  profile=(-Pkafka)
  target="$project/target/kafka"
  package="avroframe.conformance.kafka"
fi
if [[ $# -lt 1 ]]; then
  echo "usage: $0 [--kafka] MAIN [ARGS...]" >&2
  exit 2
fi
main="$1"
shift
command -v mvn >/dev/null || { echo "run-java.sh: mvn (Maven 3.8+) is required" >&2; exit 2; }
command -v java >/dev/null || { echo "run-java.sh: java (17+) is required" >&2; exit 2; }

mkdir -p "$project/target"
log="$(mktemp "${TMPDIR:-/tmp}/avroframe-conformance-mvn.XXXXXX")"
# Serialize concurrent builds of the same tree (parallel test sessions).
exec 8>"$project/target/.build-lock"
flock -w 600 8 || { echo "run-java.sh: build lock busy for 600s" >&2; exit 2; }
if ! (cd "$project" && mvn -q -B -Dstyle.color=never "${profile[@]}" compile) >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "run-java.sh: maven build failed (full output: $log)" >&2
  exit 2
fi
rm -f "$log"
flock -u 8

exec java -Xss4m -cp "$target/classes:$(cat "$target/classpath.txt")" "$package.$main" "$@"
