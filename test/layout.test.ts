/**
 * Every command's output fits the terminal: rendered at 80 and 100 columns (COLUMNS, as a terminal
 * of that width or a CI log would have it), no line is wider. Tables drop their least needed columns
 * and cut long names; prose wraps.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
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
