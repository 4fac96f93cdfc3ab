#!/usr/bin/env bash
# The sandbox smoke (`npm run test:sandbox-smoke`, every CI run, with or without /dev/kvm here):
# boots the KVM sandbox once and, inside it, runs the hello guest on every binding and
# `run --quick --workloads pio-out,hlt` (scripts/kvm-sandbox/smoke.sh checks what the guests did).
# It keeps the no-KVM path of CI working on machines that have KVM, where nothing else uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
timeout=${KVM_SANDBOX_SMOKE_TIMEOUT:-600}
# The bin npm links for this package (npx resolves it from package.json the same way).
bin=$(node -p 'require("./package.json").bin.kvmbench')
[ -f "$bin" ] || { echo "sandbox-smoke: $bin is missing: run npm ci (it builds the project) first" >&2; exit 1; }
started=$(date +%s)
rc=0
bash scripts/kvm-sandbox.sh -t "$timeout" -- sh scripts/kvm-sandbox/smoke.sh "$bin" || rc=$?
took=$(($(date +%s) - started))
echo "sandbox-smoke: exit $rc in ${took} s, $((100 * took / timeout)) % of its ${timeout} s timeout"
exit "$rc"
