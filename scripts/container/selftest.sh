#!/usr/bin/env bash
# scripts/container/selftest.sh — end-to-end check of the local container toolchain.
#
# Usage:
#   scripts/container/selftest.sh [--keep-engine]
#
# Starts the engine (dockerd.sh start), builds the base images (base-images.sh), then
# `docker build --network=host`s a throwaway multi-stage Dockerfile in a temp dir that
#   FROM ${NODE_IMAGE} (= kvmbench/node-base:22-bookworm) installs gcc make python3 binutils
#   libc6-dev with apt, runs `npm init -y && npm install koffi@3`, loads koffi, compiles a tiny
#   C library and calls it through koffi, then copies /app into a runtime stage and runs it;
# and probes how `docker run --device /dev/kvm` behaves on this host.
# The throwaway image is removed afterwards; the base images stay. The engine is stopped at the
# end if this script started it (unless --keep-engine).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_IMAGE="kvmbench/node-base:22-bookworm"
TEST_TAG="kvmbench/selftest:tmp"
KEEP_ENGINE=0
[[ "${1:-}" == "--keep-engine" ]] && KEEP_ENGINE=1
export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"

log() { printf '[selftest.sh] %s\n' "$*" >&2; }
now() { date +%s; }

engine_was_up=0
docker info >/dev/null 2>&1 && engine_was_up=1
ctx="$(mktemp -d /tmp/kvmbench-selftest.XXXXXX)"
cleanup() {
  docker image rm -f "$TEST_TAG" >/dev/null 2>&1 || true
  rm -rf "$ctx"
  if [[ $engine_was_up -eq 0 && $KEEP_ENGINE -eq 0 ]]; then "$HERE/dockerd.sh" stop || true; fi
}
trap cleanup EXIT

t0=$(now); "$HERE/dockerd.sh" start; log "engine ready in $(( $(now) - t0 ))s"
t0=$(now); "$HERE/base-images.sh"; log "base images ready in $(( $(now) - t0 ))s"

cat >"$ctx/Dockerfile" <<'EOF'
ARG NODE_IMAGE=node:22-bookworm-slim
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc make python3 binutils libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN npm init -y >/dev/null && npm install koffi@3 && node -e "require('koffi')"
RUN printf 'int add(int a, int b) { return a + b; }\n' > add.c && gcc -shared -fPIC -o libadd.so add.c \
 && node -e "const k = require('koffi'); const f = k.load('/app/libadd.so').func('int add(int, int)'); if (f(2, 3) !== 5) process.exit(1)"
FROM ${NODE_IMAGE}
WORKDIR /app
COPY --from=build /app /app
CMD ["node", "-e", "const k = require('koffi'); console.log('koffi', k.version, 'ok on node', process.version)"]
EOF

t0=$(now)
log "docker build --network=host (apt-get install gcc make python3 …, npm install koffi@3)"
if ! DOCKER_BUILDKIT=0 docker build --network=host --build-arg NODE_IMAGE="$NODE_IMAGE" \
      -t "$TEST_TAG" "$ctx" >"$ctx/build.log" 2>&1; then
  tail -n 40 "$ctx/build.log" >&2
  log "FAIL: test build failed"
  exit 1
fi
log "test build took $(( $(now) - t0 ))s"
out="$(docker run --rm "$TEST_TAG")"
log "runtime stage says: $out"

# /dev/kvm passthrough probe.
if [[ -c /dev/kvm ]]; then
  if docker run --rm --device /dev/kvm "$NODE_IMAGE" test -c /dev/kvm; then
    log "/dev/kvm present on host and visible in a container with --device /dev/kvm"
  else
    log "FAIL: /dev/kvm present on host but not usable in a container"
    exit 1
  fi
else
  set +e
  err="$(docker run --rm --device /dev/kvm "$NODE_IMAGE" true 2>&1)"
  rc=$?
  set -e
  log "/dev/kvm absent on host; docker run --device /dev/kvm -> exit $rc: $(printf '%s\n' "$err" | sed -n 1p)"
  if [[ $rc -eq 0 ]]; then
    log "FAIL: expected docker run --device /dev/kvm to fail without /dev/kvm"
    exit 1
  fi
fi
log "OK"
