/**
 * Every command's output fits the terminal: rendered at 80 and 100 columns (COLUMNS, as a terminal
 * of that width or a CI log would have it), no line is wider. Tables drop their least needed columns
 * and cut long names; prose wraps.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compareResults } from '../src/compare/compare-results.js';
import { renderTerminal } from '../src/compare/terminal.js';
import { terminalTable } from '../src/report/terminal.js';
import { rowName } from '../src/results/rows.js';
import type { Results } from '../src/results/types.js';
import { CLI } from './helpers/cli.js';
import { makeFixtureResults } from './helpers/fixture-results.js';
import { scaled, writeRun } from './helpers/runs.js';

const WIDTHS = [80, 100];
const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-layout-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const tooWide = (text: string, width: number): string[] => text.split('\n').filter((line) => line.length > width);

function cli(args: string[], columns: number): string {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: String(columns), NO_COLOR: '1' },
    timeout: 60_000,
  });
  return `${result.stdout}${result.stderr}`;
}

/** The fixture measured in a second runtime too: the longest row names a run has (`node26:koffi-variadic`). */
function withRuntimeRows(results: Results): Results {
  const more = results.measurements.map((m) => ({ ...m, binding: rowName('node26', m.binding), runtime: 'node26' }));
  return { ...results, measurements: [...results.measurements, ...more] };
}

/**
 * A sandbox run (QEMU TCG) of `run --quick --runtimes node,node26 -w pio-out,pio-out-tsc,mmio-write,
 * ioeventfd-pio,coalesced-mmio,irqfd --vmm-designs all`, its per-sample arrays cut to three: every
 * secondary table (guest clock, VMM design, runtime matrix, vCPU threading) with the longest names.
 */
const everyTable = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../test/fixtures/sandbox-run-vmm-designs-runtimes.json', import.meta.url)),
    'utf8',
  ),
) as Results;

/** Lines in which a number was cut to fit ("41.3–4…", "5.83× (4.…"): a cut number says nothing. */
const cutNumbers = (text: string): string[] => text.split('\n').filter((line) => /[\d.%×x–]…/.test(line));

const baseline = makeFixtureResults();
const baselineRun = writeRun(scratch, 'baseline', baseline);
const currentRun = writeRun(scratch, 'current', scaled(baseline, 1.2));

describe('fits 80 and 100 columns', () => {
  for (const width of WIDTHS) {
    it(`the run table, with and without other runtimes' rows, at ${width}`, () => {
      for (const results of [baseline, withRuntimeRows(baseline)]) {
        const text = terminalTable(results, width);
        assert.deepEqual(tooWide(text, width), []);
        assert.match(text, /^workload\s+binding\s+median\s+95 % CI/, 'the median and its interval stay');
      }
    });

    it(`the guest-clock, VMM design, runtime and threading tables at ${width}: no number cut, design names whole`, () => {
      const text = terminalTable(everyTable, width);
      assert.deepEqual(tooWide(text, width), []);
      assert.deepEqual(cutNumbers(text), []);
      for (const section of ['Timed by the guest', 'VMM design', 'Runtime x binding', 'vCPU threading'])
        assert.ok(text.includes(section), section);
      assert.match(text, /^ioeventfd-pio ×8\s+node26:napi\s/m, 'a burst row is marked, its names whole');
      assert.match(text, /^c-thread-vcpu\s/m);
      assert.match(text, /^koffi-async \(anti\)\s/m);
      assert.match(
        text,
        /^node26\s+[\d.]+ µs\s+[\d.]+ µs [+−][\d.]+%/m,
        'a matrix row: the floor, then a binding over it',
      );
    });

    it(`the compare table at ${width}, and compare as a command`, () => {
      const text = renderTerminal(compareResults(baseline, scaled(baseline, 1.2)), width);
      assert.deepEqual(tooWide(text, width), []);
      assert.match(text, /change\s+95 % CI\s+verdict/, 'the change, its interval and the verdict stay');
      assert.deepEqual(tooWide(cli(['compare', baselineRun, currentRun], width), width), []);
    });

    it(`every command's --help, list and doctor at ${width}`, () => {
      for (const args of [
        ['--help'],
        ...['run', 'compare', 'list', 'doctor', 'hello', 'report', 'merge', 'calibrate', 'profile', 'export'].map(
          (c) => [c, '--help'],
        ),
        ['list'],
        ['doctor'],
        ['run', '--workloads', 'pio_out'],
      ]) {
        assert.deepEqual(tooWide(cli(args, width), width), [], args.join(' '));
      }
    });
  }
});
