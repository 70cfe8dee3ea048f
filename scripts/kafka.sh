#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker+controller) on 127.0.0.1 for tests.
#
# Usage: scripts/kafka.sh {start|stop|restart|status} [--keep-data]
#   start   fetch the jars once (Maven Central), format fresh storage, start, wait for metadata;
#           exits 0 at once when the broker is already running and healthy. With --keep-data
#           the storage of the last run is reused (topics, offsets) when there is one.
#   stop    TERM (then KILL) the broker started by this script and remove its data (with
#           --keep-data the data stays, for a later start --keep-data)
#   restart stop and start again keeping the data (a broker restart as in production)
#   status  exit 0 when running and answering metadata requests
# Environment: AVROFRAME_CACHE, AVROFRAME_RUN (see _lib.sh), KAFKA_START_TIMEOUT (s, default 120),
#              KAFKA_JAVA_HOME (a JDK 17+; default: JAVA_HOME, PATH, /usr/lib/jvm),
#              AVROFRAME_KAFKA_PORT / AVROFRAME_KAFKA_CONTROLLER_PORT (default 19092 / 19093; a second
#              instance needs its own ports and AVROFRAME_RUN).
#              PYTHON (interpreter with confluent-kafka or kafka-python for the health check).
AF_NAME=kafka
# shellcheck source=scripts/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

KAFKA_VERSION="4.4.0"   # must match scripts/maven/kafka/pom.xml
KAFKA_PORT="${AVROFRAME_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${AVROFRAME_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
KAFKA_LIB="$AF_CACHE/kafka-$KAFKA_VERSION/lib"
KAFKA_DIR="$AF_RUN/kafka"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/kafka.log"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_MARKER="kafka.Kafka"
KAFKA_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
AF_JAVA="$(af_find_java 17 "${KAFKA_JAVA_HOME:-}")" || af_die "no Java 17+ found (set KAFKA_JAVA_HOME)"

fetch_jars() {
  [[ -f "$KAFKA_LIB/.complete" ]] && return 0
  af_log "fetching kafka_2.13 $KAFKA_VERSION and its dependencies into $KAFKA_LIB"
  local tmp="$KAFKA_LIB.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  af_mvn "$tmp.mvn.log" -f "$AF_SCRIPTS/maven/kafka/pom.xml" \
    "$AF_DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$tmp"
  rm -f "$tmp.mvn.log"
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null || af_die "kafka jar missing after fetch"
  touch "$tmp/.complete"
  rm -rf "$KAFKA_LIB"
  mv "$tmp" "$KAFKA_LIB"
}

# Health: a metadata request answered by the broker (an open port is not enough).
metadata_ok() {
  "$AF_PYTHON" - "$KAFKA_BOOTSTRAP" <<'PY'
import sys
bootstrap = sys.argv[1]
try:
    from confluent_kafka.admin import AdminClient
except ImportError:
    AdminClient = None
if AdminClient is not None:
    md = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0}).list_topics(timeout=3)
    sys.exit(0 if md.brokers else 1)
from kafka import KafkaAdminClient
admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
try:
    admin.list_topics()
finally:
    admin.close()
PY
}

write_config() {
  cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.network.threads=2
num.io.threads=2
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=1
EOF
  cat >"$KAFKA_DIR/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
logger.statechange.name = state.change.logger
logger.statechange.level = warn
EOF
}

# java_opts HEAP: JVM options for the broker and the storage tool.
java_opts() {
  echo "-Xmx$1 -XX:+UseG1GC -Djava.awt.headless=true" \
    "-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2.properties"
}

# A cluster id as Kafka's Uuid.randomUuid makes them: never one starting with "-", which the
# storage tool's option parser would take for an option.
new_cluster_id() {
  "$AF_PYTHON" -c '
import base64, uuid
while True:
    text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not text.startswith("-"):
        print(text)
        break
'
}

format_storage() {
  local cluster_id
  cluster_id="$(new_cluster_id)"
  # shellcheck disable=SC2046
  if ! "$AF_JAVA" $(java_opts 256m) -cp "$KAFKA_LIB/*" \
      kafka.tools.StorageTool format "--cluster-id=$cluster_id" -c "$KAFKA_DIR/server.properties" \
      >>"$KAFKA_LOG" 2>&1; then
    tail -n 40 "$KAFKA_LOG" >&2
    af_die "storage format failed"
  fi
}

cmd_start() {
  af_lock "$KAFKA_DIR"
  if af_running "$KAFKA_PID" "$KAFKA_MARKER" "$KAFKA_LOG" "$KAFKA_TIMEOUT" metadata_ok \
      "$KAFKA_BOOTSTRAP" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; then
    return 0
  fi
  fetch_jars
  local t0=$SECONDS
  if [[ "${1:-}" == "--keep-data" && -f "$KAFKA_DATA/meta.properties" ]]; then
    af_log "starting on the data of the last run"
  else
    rm -rf "$KAFKA_DATA"
    mkdir -p "$KAFKA_DATA"
    : >"$KAFKA_LOG"
    write_config
    format_storage
  fi
  # shellcheck disable=SC2046
  af_spawn "$KAFKA_PID" "$KAFKA_LOG" "$KAFKA_MARKER" "$AF_JAVA" $(java_opts 512m) -cp "$KAFKA_LIB/*" \
    "$KAFKA_MARKER" "$KAFKA_DIR/server.properties"
  af_wait_ready "$KAFKA_PID" "$KAFKA_MARKER" "$KAFKA_LOG" "$KAFKA_TIMEOUT" metadata_ok
  af_log "started (pid $(cat "$KAFKA_PID")) at $KAFKA_BOOTSTRAP in $((SECONDS - t0))s"
}

cmd_stop() {
  af_lock "$KAFKA_DIR"
  if af_pid_alive "$KAFKA_PID" "$KAFKA_MARKER"; then
    af_log "stopping pid $(cat "$KAFKA_PID")"
  fi
  af_kill "$KAFKA_PID" "$KAFKA_MARKER" 30
  if [[ "${1:-}" != "--keep-data" ]]; then
    rm -rf "$KAFKA_DATA"
  fi
}

cmd_status() {
  af_status "$KAFKA_PID" "$KAFKA_MARKER" metadata_ok "$KAFKA_BOOTSTRAP"
}

case "${1:-}" in
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  restart) cmd_stop --keep-data && cmd_start --keep-data ;;
  status) cmd_status ;;
  *) echo "usage: $0 {start|stop|restart|status} [--keep-data]" >&2; exit 2 ;;
esac
