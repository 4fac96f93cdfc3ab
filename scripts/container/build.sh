#!/usr/bin/env bash
# scripts/container/build.sh — build the kvmbench image with its OCI labels and git revision filled in.
#
# Usage:
#   scripts/container/build.sh [-t TAG] [docker build args...]     (default tag: kvmbench)
#   scripts/container/build.sh -t kvmbench:clinic --build-arg WITH_CLINIC=1
#
# Passes VERSION (package.json), GIT_REVISION (git rev-parse --short=12 HEAD, "-dirty" when tracked
# files changed; recorded in every results.json as host.gitRevision) and SOURCE_URL (the origin remote,
# else package.json's repository) as build args. Uses node:22-bookworm-slim when it is present or can be
# pulled, else builds the offline stand-in with base-images.sh. Uses the legacy builder with
# --network=host (the engine dockerd.sh starts has no bridge network).
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { printf 'build.sh: %s\n' "$*" >&2; }

tag=kvmbench
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t | --tag) tag="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

version=$(node -p 'require("./package.json").version')
revision=
if git rev-parse --git-dir >/dev/null 2>&1; then
  revision=$(git rev-parse --short=12 HEAD)
  [ -z "$(git status --porcelain --untracked-files=no)" ] || revision="$revision-dirty"
fi
source_url=$(git remote get-url origin 2>/dev/null || node -p 'const r = require("./package.json").repository; (typeof r === "string" ? r : r?.url) ?? "unknown"')

node_image=node:22-bookworm-slim
if ! docker image inspect "$node_image" >/dev/null 2>&1 && ! timeout 60 docker pull -q "$node_image" >/dev/null 2>&1; then
  say "$node_image cannot be pulled; using the offline stand-in (scripts/container/base-images.sh)"
  scripts/container/base-images.sh
  node_image=kvmbench/node-base:22-bookworm
fi

say "building $tag: version $version, revision ${revision:-none}, on $node_image"
DOCKER_BUILDKIT=0 docker build --network=host \
  --build-arg NODE_IMAGE="$node_image" \
  --build-arg VERSION="$version" \
  --build-arg GIT_REVISION="$revision" \
  --build-arg SOURCE_URL="$source_url" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  -t "$tag" ${args[@]+"${args[@]}"} .
