#!/bin/sh
# The sandbox smoke, run inside the KVM sandbox by scripts/sandbox-smoke.sh (busybox sh, the host's
# node, the checkout over 9p): the hello guest on every binding must print 4 and Hello and halt, and a
# quick run of pio-out and hlt on every binding must measure every cell and write its folder.
# Prints one line per check and exits non-zero on the first failure.
set -eu
bin=$1
out=$(mktemp -d /tmp/kvmbench-smoke.XXXXXX)
ok() { echo "smoke: ok: $*"; }
fail() {
  echo "smoke: FAIL: $*"
  exit 1
}

for binding in c-loop napi koffi koffi-variadic; do
  said=$(node "$bin" hello --binding "$binding" --json) || fail "hello --binding $binding exited $?"
  # What the guest wrote to its serial port, and its last exit, as `hello --json` reports them.
  printf '%s' "$said" | node -e '
    const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
    process.exit(r.serial === "4\nHello\n" && r.exits.at(-1)?.kind === "hlt" ? 0 : 1);
  ' || fail "hello through $binding said: $said"
  ok "hello through $binding: 4, Hello, hlt"
done

started=$(date +%s)
node "$bin" run --quick --workloads pio-out,hlt --out "$out" --format json,csv >"$out/stdout" 2>"$out/stderr" ||
  fail "run --quick --workloads pio-out,hlt exited $?: $(cat "$out/stderr")"
results=$(ls -d "$out"/2*/results.json)
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const cells = r.measurements.map((m) => `${m.workload}/${m.binding}:${m.status}:${m.samples.length}`);
  const bad = cells.filter((c) => !/:ok:[1-9]/.test(c));
  if (r.measurements.length !== 8 || bad.length) { console.error(`cells: ${cells.join(" ")}`); process.exit(1); }
' "$results" || fail "run --quick: not every cell measured ok"
ok "run --quick --workloads pio-out,hlt: 8 cells measured, every exit checked ($(($(date +%s) - started)) s)"
rm -rf "$out"
