#!/usr/bin/env node
// `npm run test:kvm-sandbox [name...]`: the test files that use KVM (the rest need no /dev/kvm and run
// on the host), run for real inside KVM sandboxes (scripts/kvm-sandbox.sh). One sandbox VM per core
// (KVM_SANDBOX_VMS overrides), each a single TCG thread: they take files from one shared list, the
// largest first, so each file runs once. Files whose tests bound wall-clock time (a Ctrl-C seen
// within 250 ms) then run alone in one VM: beside another VM on the same cores an emulated CPU
// stalls for hundreds of ms at a time. Prints every VM's output line by line with its number, each
// file's duration, how much of the timeout the run used, and one closing line for all; before it, the
// failing tests' details again, so that a log's tail (all CI keeps) says what failed and why.
//
//   --timeout SECS   kill a VM that runs longer (default 2400)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const timeoutAt = args.indexOf('--timeout');
const timeoutSeconds = timeoutAt >= 0 ? Number(args[timeoutAt + 1]) : 2400;
if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) {
  console.error('sandbox-test: --timeout takes a whole number of seconds, e.g. --timeout 2400');
  process.exit(2);
}
const names = args.filter((arg, i) => !arg.startsWith('--') && (timeoutAt < 0 || i !== timeoutAt + 1));
const vms = Number(process.env.KVM_SANDBOX_VMS ?? Math.max(1, Math.min(2, availableParallelism())));
if (!Number.isInteger(vms) || vms < 1) {
  console.error(`sandbox-test: KVM_SANDBOX_VMS must be a whole number >= 1, not ${process.env.KVM_SANDBOX_VMS}`);
  process.exit(2);
}

/** Test files that time how fast kvmbench reacts, run after the others, alone. */
const ALONE = ['interrupt-phases.test.js'];

// The claims folder lies in the shared checkout, so every VM sees the others' claims; the files that
// run alone are claimed in advance, so that no VM of the parallel phase takes them.
const claims = mkdtempSync(join(root, 'results', '.sandbox-claims-'));
for (const file of ALONE) mkdirSync(join(claims, file));
const started = performance.now();

/** Each failed test file's "✖ failing tests:" section, as node's spec reporter printed it. */
const failures = [];
const FAILURE_LINES = 60;

function runVm(number, selection = ['--claims', claims, ...names]) {
  return new Promise((resolve) => {
    const child = spawn(
      'bash',
      [
        join(root, 'scripts', 'kvm-sandbox.sh'),
        ...['-t', String(timeoutSeconds)],
        // CI installs the runtimes of run --runtimes and asks their tests not to skip.
        ...(process.env.KVMBENCH_REQUIRE_RUNTIMES
          ? ['-e', `KVMBENCH_REQUIRE_RUNTIMES=${process.env.KVMBENCH_REQUIRE_RUNTIMES}`]
          : []),
        '--',
        ...['node', 'scripts/test.mjs', '--no-build', '--kvm-only', '--each', ...selection],
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const prefix = vms > 1 ? `[vm${number}] ` : '';
    let closing;
    let failing; // the lines of the current file's failing-tests section, while it prints
    const collect = (line) => {
      if (line === '✖ failing tests:') failing = [];
      else if (/^# \S+\.test\.js: [\d.]+ s, exit /.test(line)) {
        if (failing && !line.endsWith(' exit 0')) failures.push({ file: line.slice(2), lines: failing });
        failing = undefined;
      } else if (failing && failing.length < FAILURE_LINES && !/^\s+at .*\(node:/.test(line)) failing.push(line);
    };
    const lines = (stream, out) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          const counts = line.match(/^(\d+) passed, (\d+) failed, (\d+) skipped$/);
          if (counts) closing = counts.slice(1).map(Number);
          else out.write(`${prefix}${line}\n`);
          if (out === process.stdout) collect(line);
        }
      });
      stream.on('end', () => rest && out.write(`${prefix}${rest}\n`));
    };
    lines(child.stdout, process.stdout);
    lines(child.stderr, process.stderr);
    child.on('close', (code, signal) => resolve({ number, code: code ?? signal, closing }));
  });
}

const outcomes = await Promise.all(Array.from({ length: vms }, (_, i) => runVm(i + 1)));
rmSync(claims, { recursive: true, force: true });
const alone = ALONE.filter((file) => names.length === 0 || names.some((name) => file.includes(name)));
if (alone.length > 0) outcomes.push(await runVm(vms + 1, alone));
const seconds = (performance.now() - started) / 1000;
const totals = [0, 0, 0];
for (const { number, code, closing } of outcomes) {
  if (!closing) console.log(`sandbox-test: vm${number} ended (exit ${code}) without its test count`);
  for (let i = 0; i < 3; i++) totals[i] += closing?.[i] ?? 0;
}
const failed = outcomes.some(({ code, closing }) => code !== 0 || !closing);
for (const { file, lines } of failures) {
  console.log(`sandbox-test: failed in ${file}`);
  for (const line of lines) console.log(`  ${line}`);
}
console.log(
  `sandbox-test: ${vms} VM(s) at once${alone.length ? `, then 1 for ${alone.join(', ')}` : ''}, ${seconds.toFixed(0)} s, ${((100 * seconds) / timeoutSeconds).toFixed(0)} % of the ${timeoutSeconds} s timeout`,
);
console.log(`${totals[0]} passed, ${totals[1] + (failed && totals[1] === 0 ? 1 : 0)} failed, ${totals[2]} skipped`);
process.exit(failed ? 1 : 0);
