#!/usr/bin/env node
// The real-host check of the ftrace split: N `kvmbench run --trace ftrace` runs (each in
// 4 processes, as a default run; --quick: one process each),
// then the acceptance rules on their results: the sum rule in every cell of every run, the
// stability rule (each part of every cell's median split within 10 % across the runs), and the
// floor's (c-loop's) turnaround below every other binding's. Needs /dev/kvm and tracefs (root);
// exits 0 when every rule holds, 1 when one fails, 2 when the host cannot run it.
// Usage: node scripts/ftrace-check.mjs [--runs 3] [--quick] [--workloads pio-out,hlt] [--results a.json,b.json]
//   (after npm run build; --results checks results files already written instead of running)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareSplits, floorNotLowest, STABILITY_TOLERANCE } from '../dist/src/trace/stability.js';
import { findTracefs } from '../dist/src/trace/tracefs.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    workloads: { type: 'string', default: 'pio-out,hlt' },
    results: { type: 'string' },
  },
});

function runAll() {
  if (!existsSync('/dev/kvm') || !findTracefs()) {
    console.error('ftrace-check: needs /dev/kvm and a mounted tracefs (mount -t tracefs nodev /sys/kernel/tracing)');
    process.exit(2);
  }
  const out = mkdtempSync(join(tmpdir(), 'kvmbench-ftrace-check-'));
  const cli = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
  const files = [];
  try {
    for (let i = 0; i < Number(values.runs); i++) {
      console.error(`run ${i + 1} of ${values.runs}`);
      const args = [
        'run',
        ...(values.quick ? ['--quick'] : []),
        '--workloads',
        values.workloads,
        '--trace',
        'ftrace',
        '--format',
        'json',
        '--out',
        out,
      ];
      execFileSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    }
    // Run folders only: `latest` points at the last one again.
    for (const folder of readdirSync(out)
      .filter((name) => name !== 'latest')
      .sort())
      files.push(readFileSync(join(out, folder, 'results.json'), 'utf8'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return files.map((text) => JSON.parse(text));
}

const runs = values.results
  ? values.results.split(',').map((file) => JSON.parse(readFileSync(file, 'utf8')))
  : runAll();
const failures = [];
const fmt = (ns) => `${ns.toFixed(0)}`.padStart(6);
for (const [i, results] of runs.entries()) {
  for (const m of results.measurements) {
    const check = m.trace?.sumCheck;
    if (check && !check.passed)
      failures.push(`run ${i + 1} ${m.workload}/${m.binding}: sum rule ${(check.deviation * 100).toFixed(1)} %`);
  }
  for (const problem of floorNotLowest(results.measurements, results.floor ?? 'c-loop'))
    failures.push(`run ${i + 1} ${problem}`);
}
const rows = compareSplits(runs.map((results) => results.measurements));
console.log(
  `cell                         in KVM_RUN per run (ns)          spread  | turnaround per run (ns)         spread`,
);
for (const row of rows) {
  const part = (p) =>
    `${p.values.map(fmt).join(' ')}  ${(p.spread * 100).toFixed(1).padStart(5)} %${p.within ? ' ' : '!'}`;
  console.log(`${`${row.workload}/${row.binding}`.padEnd(28)} ${part(row.inKvmRun)} | ${part(row.turnaround)}`);
  if (!row.within)
    failures.push(`${row.workload}/${row.binding}: not within ${STABILITY_TOLERANCE * 100} % across runs`);
}
if (rows.length === 0) failures.push('no cell has a split in every run');
// The split cannot be steadier than the host: the untraced medians of the same runs show how much
// the host's own speed moved between them.
console.log('untraced median per run (ns), for comparison:');
for (const row of rows) {
  const medians = runs.map(
    (results) =>
      results.measurements.find((m) => m.workload === row.workload && m.binding === row.binding)?.stats?.median ?? NaN,
  );
  const spread = Math.max(...medians) / Math.min(...medians) - 1;
  console.log(
    `${`${row.workload}/${row.binding}`.padEnd(28)} ${medians.map(fmt).join(' ')}  ${(spread * 100).toFixed(1).padStart(5)} %`,
  );
}
for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(failures.length ? `${failures.length} rule(s) failed` : `all rules hold over ${runs.length} runs`);
process.exit(failures.length ? 1 : 0);
