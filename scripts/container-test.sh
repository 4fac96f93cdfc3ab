#!/usr/bin/env bash
# Container test (`npm run test:container`, run by CI). Builds the project's Dockerfile once
# (scripts/container/build.sh: offline base image where the real one cannot be pulled), then checks:
#   - the image: OCI labels, the git revision, no clinic, runs as non-root, --version, list;
#   - the unit tests on the image's Node 22, in its build stage (KVM tests skip there: no device);
#   - where /dev/kvm is a character device, the KVM half with the least privilege that opens it:
#     0666 nothing, 0660 --group-add <gid>, 0600 root-only --user 0 (said in the output). hello
#     (4 / Hello), `run --quick` into a host folder (results.json, CSVs and report.html owned by the
#     invoking user, not root), the open error without that privilege, Ctrl-C (docker kill --signal INT:
#     exit 130 and the partial results written), --trace ftrace where tracefs can be had, and --trace
#     perf-stat's message when the image has no perf. As root it also checks the two permission models
#     the host does not have, on private device nodes for the same KVM device (mknod, mode and group
#     set there; the host's /dev/kvm is not touched).
# Starts a Docker engine when none runs and stops only what it started. Keeps the image for the next
# run's build cache (--clean removes it).
#
# Options: --clean      remove the test images at the end.
#          --with-perf  also build the image with WITH_PERF=1 and check --trace perf-stat in it.
set -euo pipefail
cd "$(dirname "$0")/.."
image=kvmbench:container-test
build_image=kvmbench:container-test-build
perf_image=kvmbench:container-test-perf
clean=0
with_perf=0
for arg in "$@"; do
  case "$arg" in
    --clean) clean=1 ;;
    --with-perf) with_perf=1 ;;
    *) echo "usage: $0 [--clean] [--with-perf]" >&2; exit 2 ;;
  esac
done
t_start=$(date +%s)
say() { printf 'container-test: %s\n' "$*"; }
since() { echo "$(($(date +%s) - $1))s"; }
passed=0
failed=0
skipped=0
pass() { passed=$((passed + 1)); say "ok: $*"; }
fail() { failed=$((failed + 1)); say "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); say "SKIP: $*"; }

started_engine=0
if ! docker info >/dev/null 2>&1; then
  scripts/container/dockerd.sh start
  started_engine=1
fi
work=$(mktemp -d /tmp/kvmbench-container-test.XXXXXX)
tracing_mount=
containers=()
cleanup() {
  for name in ${containers[@]+"${containers[@]}"}; do docker rm -f "$name" >/dev/null 2>&1 || true; done
  if [ -n "$tracing_mount" ]; then umount "$tracing_mount" || say "could not unmount $tracing_mount"; fi
  if [ "$clean" = 1 ]; then docker image rm -f "$image" "$build_image" "$perf_image" >/dev/null 2>&1 || true; fi
  # Files the container wrote as root can only be removed by root; a container removes them.
  rm -rf "$work" 2>/dev/null || docker run --rm --user 0 --entrypoint rm -v "$work:/w" "$image" -rf /w/results >/dev/null 2>&1 || true
  rm -rf "$work" 2>/dev/null || true
  if [ "$started_engine" = 1 ]; then scripts/container/dockerd.sh stop || true; fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ the image
t0=$(date +%s)
say "building $image (scripts/container/build.sh; cached layers are reused)"
scripts/container/build.sh -t "$image" -q >/dev/null
scripts/container/build.sh -t "$build_image" --target build -q >/dev/null
say "image built in $(since "$t0"): $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}')"

revision=$(git rev-parse --short=12 HEAD 2>/dev/null || true)
if [ -n "$revision" ] && [ -n "$(git status --porcelain --untracked-files=no)" ]; then revision="$revision-dirty"; fi
labels=$(docker image inspect -f '{{json .Config.Labels}}' "$image")
if node -e '
  const [labels, version, revision] = [JSON.parse(process.argv[1]), process.argv[2], process.argv[3]];
  const want = { version, revision, licenses: "MIT" };
  for (const [key, value] of Object.entries(want))
    if (labels[`org.opencontainers.image.${key}`] !== value) throw new Error(`label ${key} is ${labels[`org.opencontainers.image.${key}`]}, want ${value}`);
  if (!("org.opencontainers.image.source" in labels)) throw new Error("no source label");
' "$labels" "$(node -p 'require("./package.json").version')" "$revision"; then
  pass "OCI labels: $labels"
else
  fail "OCI labels"
fi

packages=$(docker run --rm --entrypoint sh "$image" -c 'test ! -e node_modules/clinic && npm ls --omit=dev --all --parseable 2>/dev/null | wc -l') \
  && pass "no clinic in the image; $packages production packages" || fail 'the image has clinic'

user=$(docker run --rm --entrypoint id "$image" -u)
[ "$user" != 0 ] && pass "the image runs as uid $user by default" || fail 'the image runs as root'
docker run --rm "$image" --version >/dev/null && pass "--version: $(docker run --rm "$image" --version)" || fail '--version'
grep -q 'koffi-variadic' <<<"$(docker run --rm "$image" list)" && pass 'list names the bindings' || fail 'list does not name the bindings'

t0=$(date +%s)
node_version=$(docker run --rm --entrypoint node "$build_image" --version)
if docker run --rm --network none "$build_image" node scripts/test.mjs --no-build >"$work/unit-tests.log" 2>&1; then
  pass "unit tests on node $node_version in the image's build stage ($(grep -E '^ℹ (tests|pass|fail|skipped) ' "$work/unit-tests.log" | sed 's/ℹ //' | tr '\n' ' '), $(since "$t0"))"
else
  tail -40 "$work/unit-tests.log"
  fail "unit tests on node $node_version in the image's build stage"
fi

if [ ! -c /dev/kvm ]; then
  skip 'the KVM part: /dev/kvm is not a character device on this host (see `kvmbench doctor`)'
  say "$passed passed, $failed failed, $skipped skipped in $(since "$t_start")"
  [ "$failed" = 0 ]
  exit
fi

# ------------------------------------------------------------------ the KVM half
# Least privilege that opens a device node of this mode: prints the docker run flags.
access_flags() { # mode uid gid
  local mode=$((8#$1))
  if [ $((mode & 6)) = 6 ]; then
    echo ''
  elif [ $(((mode >> 3) & 6)) = 6 ]; then
    echo "--group-add $3"
  else
    echo "--user $2"
  fi
}
# The results belong to the invoker; a root invoker asks for the image's user so the check means something.
owner="$(id -u):$(id -g)"
[ "$(id -u)" = 0 ] && owner=1000:1000
mode=$(stat -c %a /dev/kvm) kvm_uid=$(stat -c %u /dev/kvm) kvm_gid=$(stat -c %g /dev/kvm)
flags=$(access_flags "$mode" "$kvm_uid" "$kvm_gid")
case "$flags" in
  '') say "/dev/kvm is $(stat -c '%A %U:%G' /dev/kvm): every user may open it; running as $owner with no extra flag" ;;
  --group-add*) say "/dev/kvm is $(stat -c '%A %U:%G' /dev/kvm): running as $owner with $flags" ;;
  *) say "/dev/kvm is $(stat -c '%A %U:%G' /dev/kvm): no group can open it, so the KVM part runs with $flags (root in the container); results are chowned to $owner afterwards" ;;
esac
# As $owner where the device allows it, else as the device's owner.
run_flags=(--device /dev/kvm --user "$owner")
[[ "$flags" == --group-add* ]] && run_flags+=($flags)
[[ "$flags" == --user* ]] && run_flags=(--device /dev/kvm $flags)

out=$(docker run --rm "${run_flags[@]}" "$image" hello --binding koffi)
[ "$(sed -n 1p <<<"$out")" = 4 ] && [ "$(sed -n 2p <<<"$out")" = Hello ] \
  && pass "hello with ${run_flags[*]}" || fail "hello output: $out"

if [ -n "$flags" ]; then
  set +e
  denied=$(docker run --rm --device /dev/kvm --user "$owner" "$image" hello 2>&1)
  rc=$?
  set -e
  want_fix=$([[ "$flags" == --group-add* ]] && echo "$flags" || echo '--user 0')
  if [ "$rc" != 0 ] && grep -q "$(stat -c %A /dev/kvm)" <<<"$denied" && grep -qF -- "$want_fix" <<<"$denied"; then
    pass "without $flags: exit $rc, and the message names the mode and $want_fix"
  else
    fail "without $flags: exit $rc, message: $denied"
  fi
fi

results="$work/results"
mkdir -p "$results"
chown "$owner" "$results" 2>/dev/null || true # a non-root invoker owns it already
give_back() { # the files a root container wrote go back to $owner (always, with "always")
  [[ "$flags" == --user* || "${1:-}" == always ]] || return 0
  docker run --rm --user 0 --entrypoint chown -v "$results:/results" "$image" -R "$owner" /results
}
check_run() { # dir what status
  local dir=$1 what=$2 status=$3 file bad
  for file in results.json summary.csv samples.csv report.html; do
    [ -s "$dir/$file" ] || { fail "$what: $file missing in $dir"; return; }
  done
  bad=$(find "$dir" ! -user "${owner%:*}" | sed -n '1,3p')
  [ -z "$bad" ] || { fail "$what: not owned by $owner: $bad"; return; }
  node -e '
    const [file, status, revision] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
    if (typeof r.schemaVersion !== "number" || !r.host.container) throw new Error("no schema version, or the container was not detected");
    if (r.run.status !== status) throw new Error(`run.status ${r.run.status}, want ${status}`);
    if (revision && r.host.gitRevision !== revision) throw new Error(`host.gitRevision ${r.host.gitRevision}, want ${revision}`);
    const failed = r.measurements.filter((m) => m.status !== "ok" && status === "complete");
    if (failed.length) throw new Error("failed cells: " + failed.map((m) => m.workload + "/" + m.binding).join(", "));
  ' "$dir/results.json" "$status" "$revision" || { fail "$what: results.json"; return; }
  pass "$what: results.json (status $status, gitRevision $revision), CSVs, report.html, all owned by $owner"
}

t0=$(date +%s)
docker run --rm "${run_flags[@]}" -v "$results:/results" "$image" \
  run --quick --workloads pio-out,hlt --out /results/quick >"$work/quick.log" 2>&1 || { cat "$work/quick.log"; fail 'run --quick'; }
give_back
check_run "$(find "$results/quick" -mindepth 1 -maxdepth 1 -type d | sed -n 1p)" "run --quick ($(since "$t0"))" complete

# Ctrl-C: SIGINT to the container; with the image's tini alone and under docker run --init.
for init in '' --init; do
  name=kvmbench-container-test-sigint-$$-${init#--}
  containers+=("$name")
  docker run -d --name "$name" $init "${run_flags[@]}" -v "$results:/results" "$image" \
    run --workloads pio-out,hlt --rounds 50 --out "/results/sigint$init" >/dev/null
  # Interrupt once it measures (its progress goes to stderr).
  for _ in $(seq 1 60); do
    grep -q 'round' <<<"$(docker logs "$name" 2>&1)" && break
    sleep 0.5
  done
  docker kill --signal INT "$name" >/dev/null
  rc=$(timeout 60 docker wait "$name" || echo timeout)
  docker rm -f "$name" >/dev/null 2>&1 || true
  give_back
  if [ "$rc" = 130 ]; then
    check_run "$(find "$results/sigint$init" -mindepth 1 -maxdepth 1 -type d | sed -n 1p)" "SIGINT ${init:-(tini in the image)}: exit 130, partial results" incomplete
  else
    fail "SIGINT ${init:-(tini in the image)}: exit $rc, want 130"
  fi
done

# --trace ftrace: tracefs bind-mounted, root for its files, the host's pid namespace for the pid filter.
tracefs=
if [ -d /sys/kernel/tracing/instances ]; then
  tracefs=/sys/kernel/tracing
elif [ "$(id -u)" = 0 ] && mkdir -p "$work/tracing" && mount -t tracefs nodev "$work/tracing" 2>/dev/null; then
  tracing_mount="$work/tracing" tracefs="$work/tracing"
  say "tracefs is not mounted on this host: mounted it at $tracefs for this test (unmounted at the end)"
fi
if [ -n "$tracefs" ]; then
  # /tracing, not /sys/kernel/tracing: Docker's AppArmor profile denies writes below /sys.
  ftrace_flags=(--device /dev/kvm --user 0 --pid host -v "$tracefs:/tracing" -e KVMBENCH_TRACEFS=/tracing)
  # Without --pid host, trace lines carry pids this process does not know: doctor says so.
  doctor=$(docker run --rm --device /dev/kvm --user 0 -v "$tracefs:/tracing" -e KVMBENCH_TRACEFS=/tracing "$image" doctor 2>&1 || true)
  grep -q 'run the container with --pid host' <<<"$doctor" && pass 'doctor in its own pid namespace says --pid host' \
    || fail "doctor without --pid host does not say it is needed: $(grep -i 'trac\|pid' <<<"$doctor")"
  t0=$(date +%s)
  if docker run --rm "${ftrace_flags[@]}" -v "$results:/results" "$image" \
    run --quick --workloads pio-out --bindings c-loop,koffi --trace ftrace --out /results/ftrace >"$work/ftrace.log" 2>&1; then
    give_back always
    dir=$(find "$results/ftrace" -mindepth 1 -maxdepth 1 -type d | sed -n 1p)
    if node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const traced = r.measurements.filter((m) => m.trace);
      if (!traced.length) throw new Error("no cell has a trace; warnings: " + r.warnings.join(" | "));
      const empty = traced.filter((m) => !(m.trace.split?.runs > 0));
      if (empty.length) throw new Error("traces without KVM_RUN events: " + empty.map((m) => m.workload + "/" + m.binding).join(", "));
    ' "$dir/results.json"; then
      pass "--trace ftrace with ${ftrace_flags[*]} ($(since "$t0"))"
    else
      fail '--trace ftrace: no traces'
    fi
  else
    cat "$work/ftrace.log"
    fail "--trace ftrace with ${ftrace_flags[*]}"
  fi
else
  skip '--trace ftrace: tracefs is not mounted and this user cannot mount it'
fi

# --trace perf-stat: in an image without perf, a clear message and no run folder.
if docker run --rm --entrypoint sh "$image" -c 'command -v perf' >/dev/null; then
  skip '--trace perf-stat: this image has perf; see docs/container.md for its flags'
else
  set +e
  msg=$(docker run --rm "${run_flags[@]}" "$image" run --quick --workloads pio-out --trace perf-stat --out /tmp/x 2>&1)
  rc=$?
  set -e
  [ "$rc" != 0 ] && grep -q 'needs perf' <<<"$msg" \
    && pass "--trace perf-stat without perf in the image: exit $rc, \"$(grep 'needs perf' <<<"$msg" | sed -n 1p)\"" \
    || fail "--trace perf-stat without perf: exit $rc, $msg"
fi

# --trace perf-stat in an image with perf: root with CAP_SYS_ADMIN (Docker 20.10 does not know
# CAP_PERFMON) for perf_event_open on tracepoints and through the seccomp profile; tracefs read-only
# for the tracepoint ids. No --pid host: perf -p takes this namespace's pid.
if [ "$with_perf" = 1 ]; then
  t0=$(date +%s)
  scripts/container/build.sh -t "$perf_image" --build-arg WITH_PERF=1 -q >/dev/null
  perf_flags=(--device /dev/kvm --user 0 --cap-add SYS_ADMIN -v /sys/kernel/tracing:/sys/kernel/tracing:ro)
  name=kvmbench-container-test-perf-$$
  containers+=("$name")
  if timeout 180 docker run --name "$name" "${perf_flags[@]}" -v "$results:/results" "$perf_image" \
    run --quick --workloads pio-out --bindings c-loop,koffi --trace perf-stat --out /results/perf-stat >"$work/perf.log" 2>&1; then
    give_back always
    dir=$(find "$results/perf-stat" -mindepth 1 -maxdepth 1 -type d | sed -n 1p)
    node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const bad = r.measurements.filter((m) => !m.trace?.countCheck?.matched);
      if (bad.length) throw new Error("perf counts do not match for " + bad.map((m) => m.workload + "/" + m.binding).join(", "));
    ' "$dir/results.json" && pass "--trace perf-stat with ${perf_flags[*]} (image build and run $(since "$t0"))" \
      || fail '--trace perf-stat: counts'
  else
    cat "$work/perf.log"
    fail "--trace perf-stat with ${perf_flags[*]}"
  fi
  docker rm -f "$name" >/dev/null 2>&1 || true
fi

# The permission models this host does not have, on private nodes for the same device (root only).
if [ "$(id -u)" = 0 ]; then
  kvm_dev=$(stat -c '%t %T' /dev/kvm)
  for model in 0666:0 0660:4242 0600:0; do
    m=${model%:*} g=${model#*:}
    [ $((8#$m)) = $((8#$mode)) ] && continue # the host's own model was checked above
    node_path="$work/kvm-$m"
    mknod -m "$m" "$node_path" c $((16#${kvm_dev% *})) $((16#${kvm_dev#* }))
    chown "0:$g" "$node_path"
    f=$(access_flags "$m" 0 "$g")
    model_flags=(--device "$node_path:/dev/kvm" --user "$owner")
    [[ "$f" == --group-add* ]] && model_flags+=($f)
    [[ "$f" == --user* ]] && model_flags=(--device "$node_path:/dev/kvm" $f)
    out=$(docker run --rm "${model_flags[@]}" "$image" hello --binding koffi 2>&1 || true)
    if [ "$(sed -n 2p <<<"$out")" = Hello ]; then
      pass "a $m root:$g device opens with ${model_flags[*]:2}"
    else
      fail "a $m root:$g device with ${f:-no extra flag}: $out"
    fi
    if [ -n "$f" ]; then
      set +e
      denied=$(docker run --rm --device "$node_path:/dev/kvm" --user "$owner" "$image" hello 2>&1)
      set -e
      want_fix=$([[ "$f" == --group-add* ]] && echo "$f" || echo '--user 0')
      grep -qF -- "$want_fix" <<<"$denied" && pass "  without it the message says $want_fix" \
        || fail "  without it the message does not say $want_fix: $denied"
    fi
  done
else
  skip 'the other permission models: need root to make private device nodes'
fi

say "$passed passed, $failed failed, $skipped skipped in $(since "$t_start")"
[ "$failed" = 0 ]
