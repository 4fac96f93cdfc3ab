#!/usr/bin/env bash
# scripts/container/dockerd.sh — start/stop/status a local Docker engine for kvmbench.
#
# Usage:
#   scripts/container/dockerd.sh start    # ensure an engine answers `docker info` (starts one if needed)
#   scripts/container/dockerd.sh stop     # stop the engine ONLY if this script started it
#   scripts/container/dockerd.sh status   # report what is running and who started it
#
# Behaviour:
#   * If no `dockerd` binary exists, installs Debian's docker.io package via apt.
#   * If an engine already answers `docker info`, it is respected: `start` does nothing and
#     `stop` will never kill it.
#   * Otherwise starts dockerd in the background (its own session, survives this shell) with
#       --storage-driver=overlay2 --iptables=false --ip6tables=false --bridge=none
#     data-root/exec-root/pidfile under $KVMBENCH_DOCKER_DIR (default /tmp/kvmbench-docker),
#     listening on the default socket (unix:///var/run/docker.sock) so plain `docker` works.
#   * The pid we started is recorded in $KVMBENCH_DOCKER_DIR/started-by-kvmbench.pid;
#     `stop` only ever kills that pid (and waits for its managed containerd to exit).
#   * Log: $KVMBENCH_DOCKER_DIR/dockerd.log
#
# Environment overrides:
#   KVMBENCH_DOCKER_DIR      base dir (default /tmp/kvmbench-docker)
#   KVMBENCH_DOCKER_SOCK     socket path (default /var/run/docker.sock)
#   KVMBENCH_DOCKER_TIMEOUT  seconds to wait for the engine (default 60)
set -euo pipefail

BASE="${KVMBENCH_DOCKER_DIR:-/tmp/kvmbench-docker}"
DATA_ROOT="$BASE/data"
EXEC_ROOT="$BASE/exec"
DOCKERD_PIDFILE="$BASE/dockerd.pid"          # written by dockerd itself
OUR_PIDFILE="$BASE/started-by-kvmbench.pid"  # written by us: proof that we started it
LOG="$BASE/dockerd.log"
SOCK="${KVMBENCH_DOCKER_SOCK:-/var/run/docker.sock}"
TIMEOUT="${KVMBENCH_DOCKER_TIMEOUT:-60}"

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

log() { printf '[dockerd.sh] %s\n' "$*" >&2; }
die() { printf '[dockerd.sh] ERROR: %s\n' "$*" >&2; exit 1; }

# docker client pointed at the socket we manage (unless the caller set DOCKER_HOST).
dk() { DOCKER_HOST="${DOCKER_HOST:-unix://$SOCK}" docker "$@"; }

engine_answers() { dk info >/dev/null 2>&1; }

our_pid() {
  # Prints the pid we recorded if that process is still a live dockerd; else nothing.
  [[ -f "$OUR_PIDFILE" ]] || return 0
  local pid
  pid="$(cat "$OUR_PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if [[ -r "/proc/$pid/comm" ]] && [[ "$(cat "/proc/$pid/comm")" == "dockerd" ]]; then
    echo "$pid"
  fi
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

ensure_installed() {
  command -v docker >/dev/null 2>&1 || log "note: no docker client on PATH; docker.io will provide /usr/bin/docker"
  if command -v dockerd >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 \
     && command -v containerd >/dev/null 2>&1; then
    return 0
  fi
  log "dockerd/containerd/runc missing — installing Debian's docker.io via apt (this can take a few minutes)"
  # Other processes on this machine may hold the dpkg lock; wait for it instead of failing.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null \
    || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends docker.io >/dev/null \
    || die "apt-get install docker.io failed"
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd still not on PATH"
  log "installed: $(dockerd --version)"
}

wait_for_engine() {
  local pid="$1" i
  for ((i = 0; i < TIMEOUT; i++)); do
    if engine_answers; then return 0; fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      log "dockerd (pid $pid) exited during startup; last log lines:"
      tail -n 30 "$LOG" >&2 || true
      return 1
    fi
    sleep 1
  done
  log "engine did not answer 'docker info' within ${TIMEOUT}s; last log lines:"
  tail -n 30 "$LOG" >&2 || true
  return 1
}

cmd_start() {
  local pid
  pid="$(our_pid)"
  if engine_answers; then
    if [[ -n "$pid" ]]; then
      log "engine already running (started by this script, pid $pid)"
    else
      log "an engine is already running and was NOT started by this script; using it as is (stop will leave it alone)"
    fi
    return 0
  fi
  if [[ -n "$pid" ]]; then
    log "our dockerd (pid $pid) is alive but not answering yet; waiting"
    wait_for_engine "$pid" || die "dockerd pid $pid is not healthy; run '$0 stop' and retry"
    log "engine is up"
    return 0
  fi

  ensure_installed
  mkdir -p "$BASE" "$DATA_ROOT" "$EXEC_ROOT" "$(dirname "$SOCK")"
  rm -f "$OUR_PIDFILE"
  # A socket file left by a dead daemon blocks nothing (dockerd replaces it), but a stale
  # dockerd pidfile pointing at a live unrelated process would; dockerd checks that itself.

  log "starting dockerd (data-root $DATA_ROOT, socket $SOCK, log $LOG)"
  {
    echo "===== $(date -Is) starting dockerd ====="
  } >>"$LOG"
  # setsid: own session/process group, so it survives the caller's shell and job control.
  setsid nohup dockerd \
    --host="unix://$SOCK" \
    --data-root="$DATA_ROOT" \
    --exec-root="$EXEC_ROOT" \
    --pidfile="$DOCKERD_PIDFILE" \
    --storage-driver=overlay2 \
    --iptables=false \
    --ip6tables=false \
    --bridge=none \
    >>"$LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$OUR_PIDFILE"
  log "dockerd pid $pid; waiting up to ${TIMEOUT}s for 'docker info'"
  if ! wait_for_engine "$pid"; then
    cmd_stop || true
    die "failed to start dockerd (see $LOG)"
  fi
  log "engine is up: server $(dk version --format '{{.Server.Version}}' 2>/dev/null || echo '?'), storage driver $(dk info --format '{{.Driver}}' 2>/dev/null || echo '?')"
}

cmd_stop() {
  local pid i
  pid="$(our_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$OUR_PIDFILE"
    if engine_answers; then
      log "an engine is running but was not started by this script; leaving it alone"
    else
      log "nothing to stop (no dockerd started by this script is running)"
    fi
    return 0
  fi
  log "stopping dockerd pid $pid (started by this script)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "dockerd pid $pid still alive after 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  # dockerd normally shuts down the containerd it spawned; give it a moment, and kill it only
  # if it is provably ours (its pidfile lives under our exec-root).
  local cpidfile="$EXEC_ROOT/containerd/containerd.pid" cpid
  for ((i = 0; i < 10; i++)); do
    [[ -f "$cpidfile" ]] || break
    cpid="$(cat "$cpidfile" 2>/dev/null || true)"
    [[ "$cpid" =~ ^[0-9]+$ ]] && kill -0 "$cpid" 2>/dev/null || break
    sleep 1
  done
  if [[ -f "$cpidfile" ]]; then
    cpid="$(cat "$cpidfile" 2>/dev/null || true)"
    if [[ "$cpid" =~ ^[0-9]+$ ]] && kill -0 "$cpid" 2>/dev/null \
       && [[ "$(cat "/proc/$cpid/comm" 2>/dev/null)" == "containerd" ]]; then
      log "managed containerd pid $cpid still alive; stopping it"
      kill -TERM "$cpid" 2>/dev/null || true
      sleep 2
      kill -KILL "$cpid" 2>/dev/null || true
    fi
  fi
  rm -f "$OUR_PIDFILE"
  log "stopped (images are kept in $DATA_ROOT)"
}

cmd_status() {
  local pid
  pid="$(our_pid)"
  if engine_answers; then
    if [[ -n "$pid" ]]; then
      echo "running: started by this script (pid $pid)"
    else
      echo "running: NOT started by this script (external engine; stop will not touch it)"
    fi
    dk info --format 'server {{.ServerVersion}}, storage driver {{.Driver}}, data root {{.DockerRootDir}}, cgroup {{.CgroupDriver}}/v{{.CgroupVersion}}' 2>/dev/null || true
    return 0
  fi
  if [[ -n "$pid" ]]; then
    echo "starting or unhealthy: our dockerd pid $pid is alive but 'docker info' fails (see $LOG)"
    return 1
  fi
  echo "stopped"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
