# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Shared helpers for scripts/kafka.sh and scripts/registry.sh (sourced, not executed).
#
# Layout:
#   ${AVROFRAME_CACHE:-$HOME/.cache/avroframe}   downloaded artifacts, kept between runs
#   ${AVROFRAME_RUN:-<repo>/.run}/<service>/     pid file, log file, lock, data (removed on stop)
# Everything comes from Maven Central through Maven (pinned maven-dependency-plugin 3.8.1).

set -euo pipefail

AF_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AF_REPO="$(cd "$AF_SCRIPTS/.." && pwd)"
AF_CACHE="${AVROFRAME_CACHE:-$HOME/.cache/avroframe}"
AF_RUN="${AVROFRAME_RUN:-$AF_REPO/.run}"
AF_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
AF_PYTHON="${PYTHON:-python3}"

# af_java_major JAVA: the feature release number of a java binary (17, 21, 25, ...), or 0.
af_java_major() {
  local v
  v="$("$1" -version 2>&1 | head -n 1 | sed -nE 's/.*version "([0-9]+)[."].*/\1/p')" || true
  echo "${v:-0}"
}

# af_find_java MIN [HOME...]: print the first java binary of release MIN or newer, looking in the
# given JDK homes, then JAVA_HOME, then PATH, then the JDKs under /usr/lib/jvm.
af_find_java() {
  local min="$1" cand home
  shift
  local -a cands=()
  for home in "$@" "${JAVA_HOME:-}"; do
    [[ -n "$home" ]] && cands+=("$home/bin/java")
  done
  command -v java >/dev/null && cands+=("$(command -v java)")
  for cand in /usr/lib/jvm/*/bin/java; do
    cands+=("$cand")
  done
  for cand in "${cands[@]}"; do
    [[ -x "$cand" ]] || continue
    if (( $(af_java_major "$cand") >= min )); then
      echo "$cand"
      return 0
    fi
  done
  return 1
}

af_log() { printf '%s: %s\n' "$AF_NAME" "$*" >&2; }
af_die() { af_log "$*"; exit 1; }

# af_mvn LOGFILE ARGS...: run Maven quietly and in batch mode; show its output only on failure.
af_mvn() {
  local log="$1"; shift
  command -v mvn >/dev/null || af_die "mvn not found (Maven 3.8+ is needed to fetch artifacts)"
  if ! mvn -q -B "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    af_die "maven failed (full output: $log)"
  fi
}

# af_pid_alive PIDFILE MARKER: true when PIDFILE names a live process whose command line has MARKER
# (guards against a stale pid file whose number was reused by an unrelated process).
af_pid_alive() {
  local pidfile="$1" marker="$2" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# af_port_busy PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
af_port_busy() {
  "$AF_PYTHON" - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(1.0)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# af_spawn PIDFILE LOGFILE MARKER CMD...: start CMD detached (own session, no stdin, without the
# lock fd), record its pid, and wait until that pid has exec'd into CMD (its command line shows
# MARKER), so that later liveness checks do not mistake the forking shell for a dead server.
af_spawn() {
  local pidfile="$1" logfile="$2" marker="$3" pid i
  shift 3
  setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$pidfile"
  for ((i = 0; i < 100; i++)); do
    af_pid_alive "$pidfile" "$marker" && return 0
    [[ -d "/proc/$pid" ]] || return 0
    sleep 0.05
  done
}

# af_wait_ready PIDFILE MARKER LOGFILE TIMEOUT CHECK...: poll CHECK until it succeeds. Exits with
# the log tail if the process dies; after TIMEOUT seconds it kills the process (no half-started
# server is left behind) and exits with the log tail.
af_wait_ready() {
  local pidfile="$1" marker="$2" logfile="$3" timeout="$4"; shift 4
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if ! af_pid_alive "$pidfile" "$marker"; then
      tail -n 60 "$logfile" >&2 || true
      af_die "process exited during start-up (log: $logfile)"
    fi
    if "$@" 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  tail -n 60 "$logfile" >&2 || true
  af_kill "$pidfile" "$marker" 10
  af_die "not ready after ${timeout}s, stopped it (log: $logfile)"
}

# af_kill PIDFILE MARKER GRACE: TERM the process, KILL it after GRACE seconds; remove the pid file.
af_kill() {
  local pidfile="$1" marker="$2" grace="$3" pid i
  if af_pid_alive "$pidfile" "$marker"; then
    pid="$(cat "$pidfile")"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 5; i++)); do
      af_pid_alive "$pidfile" "$marker" || break
      sleep 0.2
    done
    if af_pid_alive "$pidfile" "$marker"; then
      af_log "pid $pid still running after ${grace}s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        af_pid_alive "$pidfile" "$marker" || break
        sleep 0.2
      done
    fi
  fi
  rm -f "$pidfile"
}

# af_lock DIR: hold an exclusive lock on DIR/lock for the rest of the script, so that concurrent
# start/stop calls (e.g. parallel test sessions) do not race.
af_lock() {
  mkdir -p "$1"
  exec 9>"$1/lock"
  flock -w 300 9 || af_die "could not take the lock $1/lock within 300s"
}

# af_running PID_FILE MARKER LOG TIMEOUT HEALTH WHERE PORT...: exit status 0 when the service
# is already up (ours, once healthy; or another instance answering HEALTH on its ports), 1 when
# it must be started; dies when a port is taken by something that is not the service.
af_running() {
  local pid_file="$1" marker="$2" log="$3" timeout="$4" health="$5" where="$6"
  shift 6
  if af_pid_alive "$pid_file" "$marker"; then
    af_wait_ready "$pid_file" "$marker" "$log" "$timeout" "$health"
    af_log "already running (pid $(cat "$pid_file")) at $where"
    return 0
  fi
  local port
  for port in "$@"; do
    if af_port_busy "$port"; then
      if "$health" 2>/dev/null; then
        af_log "an instance not started by this script already answers at $where; using it"
        return 0
      fi
      af_die "port $port is in use by another process"
    fi
  done
  return 1
}

# af_status PID_FILE MARKER HEALTH WHERE: print the state; exit 0 running, 1 not answering, 3 down.
af_status() {
  local pid_file="$1" marker="$2" health="$3" where="$4"
  if af_pid_alive "$pid_file" "$marker" && "$health" 2>/dev/null; then
    echo "$AF_NAME: running (pid $(cat "$pid_file")) at $where"
    return 0
  fi
  if af_pid_alive "$pid_file" "$marker"; then
    echo "$AF_NAME: process $(cat "$pid_file") alive but not answering at $where"
    return 1
  fi
  echo "$AF_NAME: not running"
  return 3
}
