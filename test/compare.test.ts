import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { type CompareCommandOptions, registerCompare, runCompare, runsToCompare } from '../src/cli/commands/compare.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { compareResults, verdictFor } from '../src/compare/compare-results.js';
import { IncomparableRunsError } from '../src/compare/host-check.js';
import { renderMarkdown } from '../src/compare/markdown.js';
import { renderTerminal } from '../src/compare/terminal.js';
import { defaultThresholdPolicy, parseThresholdOverrides, parseThresholdPercent } from '../src/compare/thresholds.js';
import { UsageError } from '../src/errors.js';
import type { Comparison } from '../src/results/comparison.js';
import { LATEST_POINTER, updateLatestPointer } from '../src/results/latest.js';
import type { Results } from '../src/results/types.js';
import { kvmbenchAsync } from './helpers/cli.js';
import { makeFixtureResults, renameBinding } from './helpers/fixture-results.js';
import { SIM_FLOOR, simulateRun } from './helpers/noise-model.js';
import { scaled, writeRun as writeRunIn } from './helpers/runs.js';

// Ten rounds (turns, the unit compare resamples) of 3 samples per cell: enough turns for a significant change.
const fixture = makeFixtureResults({ rounds: 10, samplesPerRound: 3 });
const OK_CELLS = fixture.measurements.filter((measurement) => measurement.status === 'ok').length;

// Only the bindings changed, the c-loop floor as it was: what the default (ratio-to-floor) gate judges.
const bindingsScaled = (results: Results, factor: number): Results =>
  scaled(results, (cell) => (cell.binding === 'c-loop' ? 1 : factor), 'bindings');
const BINDING_CELLS = OK_CELLS - 5;

const FIVE_PERCENT = { defaultPercent: 5, overrides: {} };

const verdicts = (comparison: Comparison): string[] => [...new Set(comparison.cells.map((cell) => cell.verdict))];

describe('compareResults', () => {
  it('finds no change between a run and itself', () => {
    // At the default 3 %, null-ioctl / koffi-variadic (its ratio interval reaches ±3.1 % in this
    // noisy one-process fixture) would rightly be inconclusive: 5 % keeps this about no change.
    const comparison = compareResults(fixture, fixture, { thresholds: FIVE_PERCENT });
    assert.equal(comparison.cells.length, OK_CELLS);
    assert.deepEqual(verdicts(comparison), ['no significant change']);
    assert.deepEqual(comparison.summary, {
      regressed: 0,
      improved: 0,
      unchanged: OK_CELLS,
      inconclusive: 0,
      notGating: 0,
    });
    for (const cell of comparison.cells) {
      assert.equal(cell.ratio, 1);
      assert.equal(cell.pValue, 1);
      assert.ok(cell.ratioCi95[0] <= 1 && cell.ratioCi95[1] >= 1);
    }
    // The failed cell is listed, not silently dropped.
    assert.deepEqual(
      comparison.notCompared.map((cell) => [cell.workload, cell.binding]),
      [['mmio-read', 'koffi-variadic']],
    );
    assert.match(comparison.notCompared[0]?.reason ?? '', /^failed in the baseline run: guest failure/);
    assert.deepEqual([comparison.added, comparison.removed], [[], []]);
  });

  it('on absolute times, calls every cell regressed when all samples are 20 % slower', () => {
    const comparison = compareResults(fixture, scaled(fixture, 1.2), { on: 'absolute' });
    assert.deepEqual(verdicts(comparison), ['regressed']);
    for (const cell of comparison.cells) {
      assert.ok(Math.abs(cell.ratio - 1.2) < 1e-9, `${cell.workload} / ${cell.binding}: ratio ${cell.ratio}`);
      assert.ok(cell.ratioCi95[0] > 1.05 && cell.pValueHolm < 0.05);
      assert.ok(cell.pValueHolm >= cell.pValue);
    }
  });

  it('on the ratio to the floor, a host 20 % slower everywhere changes no binding; the floor does not gate', () => {
    const comparison = compareResults(fixture, scaled(fixture, 1.2), { thresholds: FIVE_PERCENT });
    for (const cell of comparison.cells) {
      if (cell.binding === 'c-loop') {
        assert.equal(cell.basis, 'absolute');
        assert.equal(cell.gates, false);
      } else {
        assert.equal(cell.basis, 'ratio-to-floor');
        assert.ok(Math.abs(cell.ratio - 1) < 1e-9 && cell.verdict === 'no significant change');
        assert.equal(cell.absolute?.verdict, 'regressed');
      }
    }
    assert.equal(comparison.summary.regressed, 0);
    assert.equal(comparison.summary.notGating, 5);
  });

  it('on the ratio to the floor, calls every binding regressed when only the bindings are 20 % slower', () => {
    const comparison = compareResults(fixture, bindingsScaled(fixture, 1.2));
    assert.equal(comparison.summary.regressed, BINDING_CELLS);
    assert.ok(comparison.cells.every((cell) => (cell.binding === 'c-loop') === (cell.verdict !== 'regressed')));
  });

  it('calls every cell improved when all samples are 20 % faster (absolute)', () => {
    const comparison = compareResults(fixture, scaled(fixture, 0.8), { on: 'absolute' });
    assert.deepEqual(verdicts(comparison), ['improved']);
    assert.equal(comparison.summary.improved, OK_CELLS);
  });

  it('ignores a real change smaller than the threshold, and applies per-workload thresholds', () => {
    const slower = scaled(fixture, 1.03);
    assert.deepEqual(verdicts(compareResults(fixture, slower, { on: 'absolute' })), ['no significant change']);

    const byName = compareResults(fixture, slower, {
      on: 'absolute',
      thresholds: { defaultPercent: 5, overrides: parseThresholdOverrides('pio-out=1') },
    });
    for (const cell of byName.cells) {
      assert.equal(cell.verdict, cell.workload === 'pio-out' ? 'regressed' : 'no significant change', cell.workload);
      assert.equal(cell.thresholdPercent, cell.workload === 'pio-out' ? 1 : 5);
    }

    // A kind applies to its workloads; a name wins over its kind.
    const byKind = compareResults(fixture, slower, {
      on: 'absolute',
      thresholds: { defaultPercent: 5, overrides: parseThresholdOverrides('exit=1,hlt=10') },
    });
    const regressed = new Set(byKind.cells.filter((cell) => cell.verdict === 'regressed').map((cell) => cell.workload));
    assert.deepEqual([...regressed].sort(), ['mmio-read', 'pio-out']);
  });

  it('refuses thresholds for workloads neither run has', () => {
    assert.throws(
      () => compareResults(fixture, fixture, { thresholds: { defaultPercent: 5, overrides: { 'pio-outt': 3 } } }),
      (error: unknown) =>
        error instanceof UsageError && /no workload or kind named 'pio-outt'.*pio-out/.test(error.message),
    );
  });

  it('lists cells found in one run only as added or removed', () => {
    const current = renameBinding(
      { ...fixture, measurements: fixture.measurements.filter((measurement) => measurement.workload !== 'hlt') },
      'koffi',
      'koffi-fast',
    );
    const comparison = compareResults(fixture, current);
    const names = (cells: Array<{ workload: string; binding: string }>): string[] =>
      cells.map((cell) => `${cell.workload} / ${cell.binding}`).sort();
    assert.deepEqual(names(comparison.added), [
      'lifecycle / koffi-fast',
      'mmio-read / koffi-fast',
      'null-ioctl / koffi-fast',
      'pio-out / koffi-fast',
    ]);
    assert.equal(comparison.removed.length, 4 + 4); // every hlt cell, and koffi in the other four workloads
    assert.ok(names(comparison.removed).includes('hlt / napi'));
  });

  it('does not compare a workload whose definition changed', () => {
    const current = {
      ...fixture,
      workloads: fixture.workloads.map((workload) =>
        workload.name === 'pio-out' ? { ...workload, inKernelExitsPerIteration: 8 } : workload,
      ),
    };
    const comparison = compareResults(fixture, scaled(current, 1.2));
    assert.ok(comparison.cells.every((cell) => cell.workload !== 'pio-out'));
    const reasons = comparison.notCompared.filter((cell) => cell.workload === 'pio-out').map((cell) => cell.reason);
    assert.equal(reasons.length, 4);
    assert.match(reasons[0] ?? '', /workload changed between the runs \(inKernelExitsPerIteration 0 → 8\)/);
  });

  it('warns about a cell that fails only in the current run', () => {
    const current = {
      ...fixture,
      measurements: fixture.measurements.map((measurement) =>
        measurement.workload === 'hlt' && measurement.binding === 'napi'
          ? { ...measurement, status: 'failed' as const, error: 'KVM_RUN: EFAULT' }
          : measurement,
      ),
    };
    const comparison = compareResults(fixture, current);
    assert.ok(comparison.notCompared.some((cell) => cell.reason === 'failed in the current run: KVM_RUN: EFAULT'));
    assert.ok(comparison.warnings.some((warning) => /hlt \/ napi failed in the current run/.test(warning)));
  });
});

describe('runs measured in different numbers of processes', () => {
  it('warns that a one-process run hides its own process-to-process variation', () => {
    // The same samples, tagged as coming from 4 processes (each round's turns spread over them).
    const several: Results = {
      ...fixture,
      run: { ...fixture.run, options: { ...fixture.run.options, processes: 4 } },
      measurements: fixture.measurements.map((m) => ({
        ...m,
        sampleProcesses: m.sampleRounds.map((round) => round % 4),
      })),
    };
    const comparison = compareResults(fixture, several);
    assert.ok(
      comparison.warnings.some((warning) => /baseline measured in 1 process\(es\), the current run in 4/.test(warning)),
      comparison.warnings.join('\n'),
    );
    assert.ok(!compareResults(several, several).warnings.some((warning) => /process\(es\)/.test(warning)));
  });
});

describe('two runs of one process each', () => {
  it('warns that their intervals hold no process-to-process variation, and names a floor that moved', () => {
    const one = (results: Results): Results => ({
      ...results,
      run: { ...results.run, options: { ...results.run.options, processes: 1 } },
    });
    const comparison = compareResults(one(fixture), one(scaled(fixture, 0.75)));
    assert.ok(comparison.warnings.some((warning) => /both runs measured in one process/.test(warning)));
    assert.ok(comparison.warnings.some((warning) => /the c-loop floor itself moved -25\.0 %/.test(warning)));
  });
});

describe('verdictFor', () => {
  it('needs a significant corrected p and a change beyond the threshold; inconclusive when only the interval reaches it', () => {
    assert.equal(verdictFor(1.1, [1.06, 1.2], 0.01, 5, 0.05), 'regressed');
    assert.equal(verdictFor(1.06, [1.04, 1.08], 0.01, 5, 0.05), 'regressed');
    assert.equal(verdictFor(1.04, [1.02, 1.06], 0.01, 5, 0.05), 'no significant change');
    assert.equal(verdictFor(1.1, [1.06, 1.2], 0.05, 5, 0.05), 'inconclusive');
    assert.equal(verdictFor(1.0, [0.9, 1.04], 0.5, 5, 0.05), 'inconclusive');
    assert.equal(verdictFor(1.0, [0.96, 1.04], 0.5, 5, 0.05), 'no significant change');
    assert.equal(verdictFor(0.9, [0.8, 0.94], 0.001, 5, 0.05), 'improved');
    assert.equal(verdictFor(1.0015, [1.001, 1.002], 0.001, 0, 0.05), 'regressed');
  });
});

describe('threshold options', () => {
  it('parses percentages and workload=percent lists', () => {
    assert.equal(parseThresholdPercent('--threshold', '2.5'), 2.5);
    assert.equal(parseThresholdPercent('--threshold', '5%'), 5);
    assert.deepEqual(parseThresholdOverrides('pio-out=3, lifecycle=10', { hlt: 1 }), {
      hlt: 1,
      'pio-out': 3,
      lifecycle: 10,
    });
    for (const bad of ['-1', 'five', '100', '']) {
      assert.throws(() => parseThresholdPercent('--threshold', bad), /--threshold must be a percentage/);
    }
    assert.throws(() => parseThresholdOverrides('pio-out'), /'pio-out' is not workload=percent/);
    assert.throws(() => parseThresholdOverrides('pio-out=x'), /--threshold-for pio-out must be a percentage/);
    assert.equal(defaultThresholdPolicy().defaultPercent, 3);
    assert.equal(defaultThresholdPolicy('absolute').defaultPercent, 5);
  });
});

describe('host check', () => {
  it('refuses hosts that differ in what changes performance, naming the fields and both values', () => {
    const current = {
      ...fixture,
      host: {
        ...fixture.host,
        kernel: '6.9.0',
        kvmModules: { ...fixture.host.kvmModules, kvm: { ...fixture.host.kvmModules['kvm'], halt_poll_ns: '0' } },
      },
    };
    assert.throws(
      () => compareResults(fixture, current),
      (error: unknown) => {
        assert.ok(error instanceof IncomparableRunsError && error instanceof UsageError);
        assert.match(
          error.message,
          /kernel: '6\.8\.0-pvm \(#1 SMP PREEMPT_DYNAMIC\)' \(baseline\) vs '6\.9\.0' \(current\)/,
        );
        assert.match(error.message, /kvmModules\.kvm\.halt_poll_ns: '200000' \(baseline\) vs '0' \(current\)/);
        assert.match(error.message, /--allow-different-hosts/);
        return true;
      },
    );
    const allowed = compareResults(fixture, current, { allowDifferentHosts: true });
    assert.equal(allowed.cells.length, OK_CELLS);
    assert.ok(
      allowed.warnings.some((warning) => /different hosts.*kernel, kvmModules\.kvm\.halt_poll_ns/.test(warning)),
    );
  });

  it('shows other differences without refusing', () => {
    const current = {
      ...fixture,
      host: { ...fixture.host, hostname: 'bench-runner-08', node: 'v22.11.0', smt: undefined },
    };
    const comparison = compareResults(fixture, current);
    assert.deepEqual(
      comparison.hostDifferences.map((difference) => [difference.field, difference.affectsPerformance]),
      [
        ['smt', false],
        ['hostname', false],
        ['node', false],
      ],
    );
  });
});

describe('rendering', () => {
  const hostile = 'na|pi<script>alert(1)</script>`x`@octocat';
  const hostileResults = (results: Results): Results => {
    const renamed = renameBinding(results, 'napi', hostile);
    return {
      ...renamed,
      measurements: renamed.measurements.map((measurement) =>
        measurement.workload === 'hlt' ? { ...measurement, workload: 'h|lt' } : measurement,
      ),
      workloads: renamed.workloads.map((workload) =>
        workload.name === 'hlt' ? { ...workload, name: 'h|lt' } : workload,
      ),
    };
  };

  it('escapes untrusted names in Markdown', () => {
    const markdown = renderMarkdown(
      compareResults(hostileResults(fixture), hostileResults(scaled(fixture, 1.2)), { on: 'absolute' }),
    );
    assert.doesNotMatch(markdown, /<script>/);
    assert.ok(markdown.includes('na\\|pi&lt;script&gt;alert(1)&lt;/script&gt;\\`x\\`@\u200boctocat'));
    assert.ok(markdown.includes('| h\\|lt |'));
    // Every table row has as many unescaped pipes as the header: no cell broke out of its column.
    const rows = markdown.split('\n').filter((line) => line.startsWith('| 🔴'));
    assert.equal(rows.length, OK_CELLS);
    for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 13, row);
  });

  it('puts the verdict first, regressions first by size, details collapsed', () => {
    const factors: Record<string, number> = { 'pio-out': 1.3, lifecycle: 1.1, 'null-ioctl': 0.8 };
    const comparison = compareResults(
      fixture,
      scaled(fixture, (measurement) => factors[measurement.workload] ?? 1),
      { on: 'absolute' },
    );
    const markdown = renderMarkdown(comparison);
    assert.match(markdown, /^### ❌ kvmbench compare: 8 regressions\n/);
    const order = markdown
      .split('\n')
      .filter((line) => /^\| (🔴|🟢|⚪) \|/.test(line))
      .map((line) => line.split(' | ')[1]);
    assert.deepEqual(order.slice(0, 12), [
      ...Array(4).fill('pio-out'),
      ...Array(4).fill('lifecycle'),
      ...Array(4).fill('null-ioctl'),
    ]);
    // The unchanged cells and the hosts, method and warnings are collapsed, one line each.
    assert.match(
      markdown,
      /\n<details><summary>7 cells without significant change<\/summary><table>.*<\/table><\/details>\n/,
    );
    assert.match(markdown, /\n<details><summary>Hosts and method<\/summary><p>Baseline: run .*<\/details>\n$/);
    assert.match(markdown, /Holm-Bonferroni corrected across 19 gated cells/);
    assert.match(markdown, /- mmio-read \/ koffi-variadic: failed in the baseline run/);
  });

  it('renders a terminal table without control characters from the files', () => {
    const renamed = renameBinding(fixture, 'koffi', 'kof\u001b[31mfi');
    const text = renderTerminal(compareResults(renamed, scaled(renamed, 1.2), { on: 'absolute' }), 1000);
    assert.ok(!text.includes('\u001b'), 'no escape character reaches the terminal');
    assert.match(text, /kof\?\[31mfi/);
    assert.match(text, /^baseline {2}20261125-140312-bench-runner-07 {2}started/);
    assert.match(
      text,
      /workload +binding +baseline +current +verdict on +change +95 % CI +p \(Holm\) +threshold +verdict +absolute \(host-sensitive\)/,
    );
    assert.match(text, /result: 19 regressions, 0 improvements, 0 cells without significant change\n$/);
  });
});

// The real command line.
// Child processes are slow (a Node start each), so only exit codes go through them; the rest runs in-process.
const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-compare-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const fixtureText = JSON.stringify(fixture, null, 2);
const writeRun = (name: string, content: Results | string): string => writeRunIn(scratch, name, content);
// The tables as a wide terminal shows them (test/layout.test.ts renders them at 80 and 100 columns).
process.env.COLUMNS = '100000';

const baseline = writeRun('baseline', fixture);
const slower = writeRun('slower', bindingsScaled(fixture, 1.2));
const otherHost = writeRun('other-host', { ...fixture, host: { ...fixture.host, cpuModel: 'AMD EPYC 7R13' } });

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** false when a small tmpfs can be mounted here (root with CAP_SYS_ADMIN), else why not. */
function tmpfsSkip(): string | false {
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs needs root';
  const probe = mkdtempSync(join(tmpdir(), 'kvmbench-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return false;
  } catch {
    return 'mount -t tmpfs is not permitted here (no CAP_SYS_ADMIN: a container)';
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

async function compareCli(...args: string[]): Promise<CliRun> {
  const { status, stdout, stderr } = await kvmbenchAsync(['compare', ...args]);
  return { code: status, stdout, stderr };
}

describe('kvmbench compare exit codes (child process)', { concurrency: true }, () => {
  it('exits 0 when nothing changed', async () => {
    const run = await compareCli(baseline, writeRun('same', fixture), '--threshold', '5');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /result: 0 regressions, 0 improvements, 19 cells without significant change/);
    assert.match(run.stderr, /^kvmbench compare: baseline 20261125-140312-bench-runner-07 \(20 cells\)/);
  });

  it('exits 1 on a regression', async () => {
    const run = await compareCli(baseline, join(slower, 'results.json'));
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stdout,
      /\npio-out +napi +7\.\d\d µs +8\.\d\d µs +÷ c-loop +\+20\.0 % +\+\d+\.\d – \+\d+\.\d % +[<0-9. ]+ +3 % +regressed +\+\d+\.\d % regressed\n/,
    );
    assert.match(run.stdout, /result: 14 regressions/);
  });

  it('a full disk under --html: the verdict printed first and kept, the write failure named, exit 1', {
    skip: tmpfsSkip(),
  }, async () => {
    const full = mkdtempSync(join(tmpdir(), 'kvmbench-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', full]);
    try {
      writeFileSync(join(full, 'filler'), Buffer.alloc(16 * 1024)); // the 16 KiB taken: nothing more fits
      const run = await compareCli(baseline, writeRun('same-full', fixture), '--html', join(full, 'report.html'));
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /result: 0 regressions/);
      assert.match(
        run.stderr,
        /--html \S+report\.html: cannot write \S+: ENOSPC .*is full: free space there or write somewhere else\n/,
      );
      assert.doesNotMatch(run.stderr, /run --out/);
      assert.deepEqual(readdirSync(full), ['filler'], 'no temporary file left');
    } finally {
      execFileSync('umount', [full]);
      rmSync(full, { recursive: true, force: true });
    }
  });

  it('exits 2 with a clear message for a corrupt, a truncated and a wrong-version file', async () => {
    const corrupt = writeRun('corrupt', fixtureText.replace('"status": "complete"', '"status": complete'));
    const truncated = writeRun('truncated', fixtureText.slice(0, 1000));
    const future = writeRun('future', { ...fixture, schemaVersion: 3 } as unknown as Results);
    const [corruptRun, truncatedRun, futureRun] = await Promise.all([
      compareCli(baseline, corrupt),
      compareCli(truncated, baseline),
      compareCli(baseline, future),
    ]);
    assert.equal(corruptRun.code, 2);
    assert.match(corruptRun.stderr, /corrupt\/results\.json: corrupt or truncated JSON: at line \d+, column 15 /);
    assert.equal(truncatedRun.code, 2);
    assert.match(truncatedRun.stderr, /truncated\/results\.json: corrupt or truncated JSON: it ends in the middle/);
    assert.equal(futureRun.code, 2);
    assert.match(futureRun.stderr, /future\/results\.json has schemaVersion 3 .* reads schemaVersion 1 and 2/);
    for (const run of [corruptRun, truncatedRun, futureRun]) assert.equal(run.stdout, '');
  });

  it('refuses an input that is no regular file (a FIFO would block for ever) or over 100 MiB, before reading it', async () => {
    const fifo = join(scratch, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    // Sparse: its size says 101 MiB, no disk is used.
    const huge = join(scratch, 'huge.json');
    execFileSync('truncate', ['-s', '101M', huge]);
    const [fifoRun, hugeRun] = await Promise.all([compareCli(baseline, fifo), compareCli(huge, baseline)]);
    assert.equal(fifoRun.code, 2, fifoRun.stderr);
    assert.match(fifoRun.stderr, /fifo\.json is not a regular file \(a pipe, socket or device\)/);
    assert.equal(hugeRun.code, 2, hugeRun.stderr);
    assert.match(hugeRun.stderr, /huge\.json is 101 MiB: kvmbench reads results files up to 100 MiB/);
  });

  it('report of more cells than the HTML report draws (10,000) says so with exit 2 and writes nothing', async () => {
    const many = makeFixtureResults({ rounds: 2, samplesPerRound: 1 });
    const copies = Math.ceil(10_001 / many.measurements.length);
    const measurements = Array.from({ length: copies }, (_, i) =>
      many.measurements.map((m) => ({ ...m, workload: `${m.workload}-${i}` })),
    ).flat();
    const workloads = Array.from({ length: copies }, (_, i) =>
      many.workloads.map((w) => ({ ...w, name: `${w.name}-${i}` })),
    ).flat();
    const big = writeRun('many-cells', { ...many, measurements, workloads });
    const html = join(scratch, 'many-cells.html');
    const run = await kvmbenchAsync(['report', big, '--out', html]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /the HTML report draws every cell, and these results have \d+: it renders up to 10000/);
    assert.throws(() => readFileSync(html), /ENOENT/, 'no report file');
  });

  it('says so when a run is compared with itself', async () => {
    const run = await compareCli(baseline, baseline);
    assert.match(`${run.stdout}${run.stderr}`, /run \S+ is on both sides or given twice: it is compared\s+with itself/);
  });

  it('refuses different hosts with exit 2, naming the field', async () => {
    const refused = await compareCli(baseline, otherHost);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /cpuModel: 'Intel\(R\) Xeon\(R\) Platinum 8375C CPU @ 2\.90GHz' \(baseline\) vs 'AMD EPYC 7R13' \(current\)/,
    );
    assert.equal(refused.stdout, '');
  });
});

describe('kvmbench compare A1,A2 B1,B2: the paired design (child process)', { concurrency: true }, () => {
  // Simulated default runs (4 processes × 5 rounds) a minute apart; the current side's floor (the
  // C harness, which no binding's code touches) 40 % slower, every binding as it was. With processes
  // 10 % apart (noise-model.ts) two runs a side confirm +40 % in 118 of 120 floor cells, +25 % in 95.
  const at = (minute: number): string => new Date(Date.UTC(2026, 10, 30, 12, minute)).toISOString();
  const pairedRun = (name: string, seed: number, minute: number, floorEffect: number): string =>
    writeRun(
      name,
      simulateRun({
        seed,
        startedAt: at(minute),
        id: `paired-${name}`,
        workloads: ['pio-out', 'hlt', 'mmio-read'],
        effect: (_workload, binding) => (binding === SIM_FLOOR ? floorEffect : 1),
      }),
    );
  const runsInTurn = (side: string): string => side.split(',').join('\n');

  it('alternating runs (A1 B1 A2 B2) confirm a floor change in every pair: exit 1, every pooled run named', async () => {
    const [a1, b1, a2, b2] = [
      pairedRun('a1', 11, 0, 1),
      pairedRun('b1', 12, 1, 1.4),
      pairedRun('a2', 13, 2, 1),
      pairedRun('b2', 14, 3, 1.4),
    ];
    const run = await compareCli(`${a1},${a2}`, `${b1},${b2}`);
    assert.equal(run.code, 1, `${run.stderr}\n${run.stdout}`);
    assert.match(
      run.stderr,
      /^kvmbench compare: baseline paired-a1 \(12 cells\), paired-a2 \(12 cells\), current paired-b1 \(12 cells\), paired-b2 \(12 cells\)\n/,
    );
    // The header lists the four runs, each with its start and its folder.
    const header = run.stdout.split('\n\n')[0] ?? '';
    assert.deepEqual(
      header.split('\n').map((line) => line.split(/ +/).slice(0, 2).join(' ')),
      ['baseline paired-a1', 'baseline paired-a2', 'current paired-b1', 'current paired-b2'],
      runsInTurn(header),
    );
    assert.ok(header.includes(a2) && header.includes(b2), header);
    assert.match(run.stdout, /2 baseline and 2 current runs pooled, their processes as units/);
    // The floor's change gates: the three c-loop cells regressed, on absolute time.
    assert.equal((run.stdout.match(/\n\S+ +c-loop +.*absolute \(host-sensitive\) .* regressed/g) ?? []).length, 3);
    assert.match(run.stdout, /result: 3 regressions/);
    // Confirmed, the floor's move is named as the floor's own, not the host's phase.
    assert.match(`${run.stdout}${run.stderr}`, /alternating runs confirm it in every pair/);

    const markdown = await compareCli(`${a1},${a2}`, `${b1},${b2}`, '--format', 'markdown');
    assert.equal(markdown.code, 1);
    assert.match(
      markdown.stdout,
      /runs paired-b1, paired-b2 \(pooled\) against baselines paired-a1, paired-a2 \(pooled\)/,
    );
  });

  it('the same change in runs not taken in turn (A1 A2 B1 B2): the floor does not gate, exit 0', async () => {
    const [a1, a2, b1, b2] = [
      pairedRun('c1', 21, 10, 1),
      pairedRun('c2', 22, 11, 1),
      pairedRun('d1', 23, 12, 1.4),
      pairedRun('d2', 24, 13, 1.4),
    ];
    const run = await compareCli(`${a1},${a2}`, `${b1},${b2}`);
    assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
    assert.match(run.stdout, /2 baseline and 2 current runs pooled/);
    assert.match(run.stdout, /result: 0 regressions/);
  });
});

describe('runCompare', () => {
  const options = (extra: Partial<CompareCommandOptions> = {}): CompareCommandOptions => ({
    format: 'table',
    threshold: 5,
    thresholdFor: {},
    ...extra,
  });
  const run = (a: string, b: string, extra?: Partial<CompareCommandOptions>) => {
    const output = { stdout: '', stderr: '' };
    const code = runCompare(a, b, options(extra), {
      stdout: (text) => {
        output.stdout += text;
      },
      stderr: (text) => {
        output.stderr += text;
      },
    });
    return { code, ...output };
  };

  it('returns 0 for improvements, as JSON on request', () => {
    const faster = run(baseline, writeRun('faster', bindingsScaled(fixture, 0.8)), { format: 'json' });
    assert.equal(faster.code, EXIT.ok);
    assert.equal((JSON.parse(faster.stdout) as Comparison).summary.improved, BINDING_CELLS);
    assert.match(faster.stderr, /kvmbench compare: 0 regressions, 14 improvements/);
  });

  it('compares different hosts with --allow-different-hosts, and says so', () => {
    const allowed = run(baseline, otherHost, { allowDifferentHosts: true, format: 'markdown' });
    assert.equal(allowed.code, EXIT.ok);
    assert.match(allowed.stdout, /^### ✅ kvmbench compare: no significant change/);
    assert.match(
      allowed.stdout,
      /<td><b>CPU<\/b> \(differs\)<\/td><td>Intel\(R\) Xeon\(R\) Platinum 8375C CPU @ 2\.90GHz<\/td><td>AMD EPYC 7R13<\/td>/,
    );
    assert.match(
      allowed.stderr,
      /warning: compared across different hosts \(--allow-different-hosts\): cpuModel differs/,
    );
    assert.match(allowed.stdout, /<summary>Hosts, method and 1 warning<\/summary>/);
  });

  it('returns the exit code and applies --threshold', () => {
    const slightlySlower = writeRun('slightly-slower', bindingsScaled(fixture, 1.03));
    assert.equal(run(baseline, slightlySlower).code, EXIT.ok);
    assert.equal(run(baseline, slightlySlower, { threshold: 1 }).code, EXIT.failure);
    assert.equal(run(baseline, slightlySlower, { thresholdFor: { 'pio-out': 1 } }).code, EXIT.failure);
  });

  it('writes the exports of the current run, and replaces them only with --force', () => {
    const exportsDir = join(scratch, 'exports');
    mkdirSync(exportsDir);
    const github = join(exportsDir, 'github-benchmark.json');
    const bencher = join(exportsDir, 'bencher.json');
    const first = run(baseline, slower, { exportGithubBenchmark: github, exportBencher: bencher });
    assert.equal(first.code, EXIT.failure);
    assert.match(first.stderr, /wrote .*github-benchmark\.json \(github-benchmark, the current run\)/);
    const slowerMedian = bindingsScaled(fixture, 1.2).measurements.find(
      (m) => m.workload === 'pio-out' && m.binding === 'napi',
    )?.stats?.median;
    const entries = JSON.parse(readFileSync(github, 'utf8')) as Array<{ name: string; value: number }>;
    assert.equal(entries.length, 19);
    assert.equal(
      entries.find((entry) => entry.name === 'pio-out / napi')?.value,
      Math.round((slowerMedian ?? 0) * 1000) / 1000,
    );
    assert.ok('pio-out / napi' in (JSON.parse(readFileSync(bencher, 'utf8')) as object));

    assert.throws(
      () => run(baseline, baseline, { exportBencher: bencher }),
      (error: unknown) =>
        error instanceof UsageError &&
        /--export-bencher .*bencher\.json: the file exists; pass --force to replace it/.test(error.message),
    );
    assert.equal(run(baseline, baseline, { exportBencher: bencher, force: true }).code, EXIT.ok);
    const metrics = JSON.parse(readFileSync(bencher, 'utf8')) as Record<string, { latency: { value: number } }>;
    const baselineMedian = fixture.measurements.find((m) => m.workload === 'pio-out' && m.binding === 'napi')?.stats
      ?.median;
    // Rounded to 0.001 ns like the github-action-benchmark export.
    assert.equal(metrics['pio-out / napi']?.latency.value, Math.round((baselineMedian ?? 0) * 1000) / 1000);
    assert.deepEqual(readdirSync(exportsDir).sort(), ['bencher.json', 'github-benchmark.json']);
  });

  it('refuses a missing run', () => {
    assert.throws(() => run(baseline, join(scratch, 'no-such-run')), /no-such-run: no such file or folder/);
  });

  it('documents its exit codes in --help', () => {
    let help = '';
    const program = new Command('kvmbench').configureOutput({ writeOut: (text) => (help += text) });
    registerCompare(program);
    program.commands.find((command) => command.name() === 'compare')?.outputHelp();
    assert.match(help, /Usage: kvmbench compare \[options\] \[baseline\] \[current\]/);
    assert.match(help, /Exit codes:\n {2}0 {2}no regression\n {2}1 {2}at least one regression\n {2}2 {2}incomparable/);
  });
});

describe('an A/A comparison in Markdown', () => {
  it('fits a PR comment: at most 15 lines, the unchanged cells collapsed', () => {
    const markdown = renderMarkdown(compareResults(fixture, fixture, { thresholds: FIVE_PERCENT }));
    const lines = markdown.trimEnd().split('\n');
    assert.ok(lines.length <= 15, `${lines.length} lines:\n${markdown}`);
    assert.match(markdown, /^### ✅ kvmbench compare: no significant change\n/);
    assert.match(markdown, new RegExp(`<details><summary>${OK_CELLS} cells without significant change</summary>`));
  });
});

describe('the turn is the unit', () => {
  it('counts turns, not samples, and does not call a change significant on three turns', () => {
    const three = makeFixtureResults({ rounds: 3, samplesPerRound: 10 });
    const comparison = compareResults(three, bindingsScaled(three, 1.2));
    const cell = comparison.cells[0];
    assert.equal(cell?.baselineTurns, 3);
    assert.equal(cell?.baselineSamples, 30);
    // An interval far beyond the threshold, but no test to trust on 3 turns: inconclusive, never regressed.
    assert.ok(comparison.cells.every((c) => c.verdict !== 'regressed' && c.verdict !== 'improved'));
    assert.ok(comparison.cells.some((c) => c.verdict === 'inconclusive'));
    assert.match(comparison.warnings.join('\n'), /fewer than 6 turns \(rounds\) in a run for every cell/);
  });
});

describe('the latest pointer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-latest-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('compares the run before latest with latest, or a named run with latest', () => {
    assert.throws(
      () => runsToCompare([], dir),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /latest does not point at a run: run `kvmbench run --out .*` first/);
        return true;
      },
    );
    const first = writeRunIn(dir, '20261130T080000Z-aaaaaa', fixture);
    updateLatestPointer(dir, first);
    assert.throws(() => runsToCompare([], dir), /has no run before 20261130T080000Z-aaaaaa/);
    const second = writeRunIn(dir, '20261130T090000Z-bbbbbb', bindingsScaled(fixture, 1.2));
    updateLatestPointer(dir, second);
    assert.equal(readlinkSync(join(dir, LATEST_POINTER)), '20261130T090000Z-bbbbbb');
    assert.deepEqual(runsToCompare([], dir), { baseline: first, current: resolve(second) });
    assert.deepEqual(runsToCompare(['base'], dir), { baseline: 'base', current: resolve(second) });
    assert.deepEqual(runsToCompare(['a', 'b'], dir), { baseline: 'a', current: 'b' });
    const runs = runsToCompare([], dir);
    const output = { stdout: () => {}, stderr: () => {} };
    assert.equal(runCompare(runs.baseline, runs.current, { format: 'table', threshold: 5 }, output), EXIT.failure);
  });

  it('a baseline saved by name (run --name main: results/main/<id>, its own latest) is compared as `compare main`', () => {
    const named = join(dir, 'main');
    mkdirSync(named);
    const saved = writeRunIn(named, '20261130T070000Z-cccccc', fixture);
    updateLatestPointer(named, saved);
    const runs = runsToCompare(['main'], dir);
    assert.deepEqual(runs, { baseline: named, current: resolve(join(dir, '20261130T090000Z-bbbbbb')) });
    // A folder of runs is read at its latest run, by name or by path, alone or in a paired list.
    const output = { stdout: () => {}, stderr: () => {} };
    assert.equal(runCompare(runs.baseline, runs.current, { format: 'table', threshold: 5 }, output), EXIT.failure);
    assert.equal(
      runCompare(`${named},${named}`, runs.current, { format: 'table', threshold: 5 }, output),
      EXIT.failure,
    );
    assert.throws(
      () =>
        runsToCompare(['no-such-baseline'], dir) &&
        runCompare('no-such-baseline', runs.current, { format: 'table' }, output),
      /no-such-baseline: no such file or folder/,
    );
  });
});
