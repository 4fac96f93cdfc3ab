#!/usr/bin/env bash
# Container test: builds the project's Dockerfile offline (with a locally made Node base image where
# the real one cannot be pulled), then runs `kvmbench hello` and `kvmbench run --quick` in it with
# nothing but --device /dev/kvm, and checks the outputs. Starts a Docker engine when none runs and
# stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
image=kvmbench:container-test
say() { printf 'container-test: %s\n' "$*"; }

started_engine=0
if ! docker info >/dev/null 2>&1; then
  scripts/container/dockerd.sh start
  started_engine=1
fi
work=$(mktemp -d /tmp/kvmbench-container-test.XXXXXX)
cleanup() {
  docker image rm -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ "$started_engine" = 1 ]; then scripts/container/dockerd.sh stop || true; fi
}
trap cleanup EXIT

# Use the official image when it can be pulled; otherwise the offline stand-in.
node_image=node:22-bookworm-slim
if ! docker image inspect "$node_image" >/dev/null 2>&1 && ! timeout 60 docker pull -q "$node_image" >/dev/null 2>&1; then
  scripts/container/base-images.sh
  node_image=kvmbench/node-base:22-bookworm
fi
say "building $image from the project's Dockerfile on $node_image"
DOCKER_BUILDKIT=0 docker build --network=host --build-arg NODE_IMAGE="$node_image" -t "$image" -q . >/dev/null

say 'the image runs as a non-root user'
user=$(docker run --rm --entrypoint id "$image" -u)
[ "$user" != 0 ] || { say "FAIL: the container runs as root"; exit 1; }

docker run --rm "$image" --version
listing=$(docker run --rm "$image" list)
grep -q 'koffi-variadic' <<<"$listing" || { say 'FAIL: list does not name the bindings'; exit 1; }

if [ ! -c /dev/kvm ]; then
  say 'SKIP the KVM part: /dev/kvm is not a character device on this host (see `kvmbench doctor`)'
  say '1 passed, 0 failed, 1 skipped'
  exit 0
fi

say 'hello with nothing but --device /dev/kvm'
out=$(docker run --rm --device /dev/kvm "$image" hello --binding koffi)
printf '%s\n' "$out" | head -3
[ "$(printf '%s\n' "$out" | sed -n 1p)" = 4 ] && [ "$(printf '%s\n' "$out" | sed -n 2p)" = Hello ] || { say 'FAIL: hello output'; exit 1; }

say 'run --quick into a mounted results folder'
mkdir -p "$work/results" && chmod 0777 "$work/results"
docker run --rm --device /dev/kvm -v "$work/results:/results" "$image" run --quick --out /results
run_dir=$(find "$work/results" -mindepth 1 -maxdepth 1 -type d | head -1)
for file in results.json summary.csv samples.csv report.html; do
  [ -s "$run_dir/$file" ] || { say "FAIL: $file missing in $run_dir"; exit 1; }
done
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (r.schemaVersion !== 1 || !r.host.container) throw new Error("results.json: bad schema version or container not detected");
  const failed = r.measurements.filter((m) => m.status !== "ok");
  if (failed.length) throw new Error("failed cells: " + failed.map((m) => m.workload + "/" + m.binding).join(", "));
' "$run_dir/results.json"
say '2 passed, 0 failed'
