#!/usr/bin/env bash
# Apicurio Registry (in-memory storage) on 127.0.0.1, serving the Confluent Schema Registry API
# at http://127.0.0.1:18081/apis/ccompat/v7, for tests.
#
# Usage: scripts/registry.sh {start|stop|status}
#   start   fetch and unpack the runnable archive once (Maven Central), start, wait until
#           GET /apis/ccompat/v7/subjects answers; exits 0 at once when already running and healthy
#   stop    TERM (then KILL) the registry started by this script; in-memory data goes with it
#   status  exit 0 when running and answering
# Environment: AVROFRAME_CACHE, AVROFRAME_RUN (see _lib.sh), REGISTRY_START_TIMEOUT (s, default 180),
#              REGISTRY_JAVA_HOME (a JDK 21+; default: JAVA_HOME, PATH, /usr/lib/jvm/*),
#              AVROFRAME_REGISTRY_PORT / AVROFRAME_REGISTRY_MGMT_PORT (default 18081 / 18091),
#              REGISTRY_EXTRA_OPTS (more JVM options, e.g. -Dapicurio.ccompat.use-canonical-hash=false;
#              a second instance needs its own ports and AVROFRAME_RUN).
AF_NAME=registry
# shellcheck source=scripts/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

APICURIO_VERSION="3.3.3"
REGISTRY_PORT="${AVROFRAME_REGISTRY_PORT:-18081}"
REGISTRY_MGMT_PORT="${AVROFRAME_REGISTRY_MGMT_PORT:-18091}"
REGISTRY_URL="http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"
REGISTRY_HOME="$AF_CACHE/apicurio-registry-$APICURIO_VERSION"
REGISTRY_DIR="$AF_RUN/registry"
REGISTRY_PID="$REGISTRY_DIR/registry.pid"
REGISTRY_LOG="$REGISTRY_DIR/registry.log"
REGISTRY_MARKER="quarkus-run.jar"
REGISTRY_TIMEOUT="${REGISTRY_START_TIMEOUT:-180}"
# Apicurio 3.3 is compiled for Java 21 (class file 65); the machine's default java may be 17.
AF_JAVA="$(af_find_java 21 "${REGISTRY_JAVA_HOME:-}")" ||
  af_die "no Java 21+ found (Apicurio Registry $APICURIO_VERSION needs it): set REGISTRY_JAVA_HOME"

fetch_app() {
  [[ -f "$REGISTRY_HOME/.complete" ]] && return 0
  af_log "fetching apicurio-registry-app $APICURIO_VERSION (tar.gz, ~160 MB) into $REGISTRY_HOME"
  local tmp="$REGISTRY_HOME.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/dist"
  af_mvn "$tmp/mvn.log" "$AF_DEP_PLUGIN:copy" \
    -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
    -DoutputDirectory="$tmp/dist"
  mkdir -p "$tmp/app"
  tar -xzf "$tmp/dist/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$tmp/app"
  rm -rf "$tmp/dist" "$tmp/mvn.log"
  # The archive layout changed between releases: locate the launcher instead of assuming a path.
  local jar
  jar="$(find "$tmp/app" -name quarkus-run.jar -print -quit)"
  [[ -n "$jar" ]] || af_die "quarkus-run.jar not found in the archive"
  touch "$tmp/.complete"
  rm -rf "$REGISTRY_HOME"
  mv "$tmp" "$REGISTRY_HOME"
}

launcher() {
  find "$REGISTRY_HOME/app" -name quarkus-run.jar -print -quit
}

# Health: the Confluent-API subject list answers 200 with a JSON array.
subjects_ok() {
  "$AF_PYTHON" - "$REGISTRY_URL/subjects" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as resp:
    body = json.load(resp)
sys.exit(0 if resp.status == 200 and isinstance(body, list) else 1)
PY
}

java_opts() {
  local opts=(
    -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
    -Dquarkus.http.host=127.0.0.1
    "-Dquarkus.http.port=$REGISTRY_PORT"
    -Dquarkus.management.host=127.0.0.1
    "-Dquarkus.management.port=$REGISTRY_MGMT_PORT"
    # In-memory H2 (the default, spelled out so that it cannot change under us).
    -Dapicurio.storage.kind=sql
    -Dapicurio.storage.sql.kind=h2
    # Confluent's default compatibility is BACKWARD; Apicurio has no global rule by default.
    -Dapicurio.rules.global.compatibility=BACKWARD
    # Same schema text in another formatting -> same id, as with Confluent.
    -Dapicurio.ccompat.use-canonical-hash=true
    # Schema ids are content ids (one id per distinct schema, shared across subjects), as with
    # Confluent; the legacy mode would hand out one id per version instead.
    -Dapicurio.ccompat.legacy-id-mode.enabled=false
    # GET /subjects silently truncates at this many subjects (default 1000); Confluent does not.
    -Dapicurio.ccompat.max-subjects=100000
    # Confluent lets clients delete subjects and versions; Apicurio 3 forbids it by default.
    -Dapicurio.rest.deletion.artifact.enabled=true
    -Dapicurio.rest.deletion.artifact-version.enabled=true
    -Dapicurio.rest.deletion.group.enabled=true
  )
  printf '%s\n' "${opts[@]}"
}

cmd_start() {
  af_lock "$REGISTRY_DIR"
  if af_running "$REGISTRY_PID" "$REGISTRY_MARKER" "$REGISTRY_LOG" "$REGISTRY_TIMEOUT" subjects_ok \
      "$REGISTRY_URL" "$REGISTRY_PORT" "$REGISTRY_MGMT_PORT"; then
    return 0
  fi
  fetch_app
  local t0=$SECONDS jar
  jar="$(launcher)"
  [[ -n "$jar" ]] || af_die "quarkus-run.jar not found under $REGISTRY_HOME"
  : >"$REGISTRY_LOG"
  local opts
  mapfile -t opts < <(java_opts)
  # shellcheck disable=SC2206
  opts+=(${REGISTRY_EXTRA_OPTS:-})
  # Run from the run dir so that anything the server writes next to its working directory stays there.
  (cd "$REGISTRY_DIR" && af_spawn "$REGISTRY_PID" "$REGISTRY_LOG" "$REGISTRY_MARKER" "$AF_JAVA" "${opts[@]}" -jar "$jar")
  af_wait_ready "$REGISTRY_PID" "$REGISTRY_MARKER" "$REGISTRY_LOG" "$REGISTRY_TIMEOUT" subjects_ok
  af_log "started (pid $(cat "$REGISTRY_PID")) at $REGISTRY_URL in $((SECONDS - t0))s"
}

cmd_stop() {
  af_lock "$REGISTRY_DIR"
  if af_pid_alive "$REGISTRY_PID" "$REGISTRY_MARKER"; then
    af_log "stopping pid $(cat "$REGISTRY_PID")"
  fi
  af_kill "$REGISTRY_PID" "$REGISTRY_MARKER" 30
}

cmd_status() {
  af_status "$REGISTRY_PID" "$REGISTRY_MARKER" subjects_ok "$REGISTRY_URL"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {start|stop|status}" >&2; exit 2 ;;
esac
