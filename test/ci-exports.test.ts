import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { checkExportTarget, writeFileAtomically } from '../src/compare/export-files.js';
import { UsageError } from '../src/errors.js';
import { bencherExporter, bencherMetrics } from '../src/report/bencher.js';
import { githubBenchmarkExporter, roundNs } from '../src/report/github-benchmark.js';
import { markdownExporter } from '../src/report/markdown.js';
import { escapeMarkdown } from '../src/util/escape.js';
import { makeFixtureResults, renameBinding } from './helpers/fixture-results.js';

const fixture = makeFixtureResults();
const okCells = fixture.measurements.filter((measurement) => measurement.status === 'ok');

/** The one file an exporter returns, parsed. */
function exportedJson(exporter: typeof bencherExporter, expectedName: string): unknown {
  const files = exporter.export(fixture);
  assert.deepEqual(
    files.map((file) => file.name),
    [expectedName],
  );
  return JSON.parse(files[0]?.content ?? '');
}

describe('github-action-benchmark export', () => {
  // github-action-benchmark's BenchmarkResult for the custom tools: name, unit, value, optional range and extra.
  const customSmallerIsBetter = {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'unit', 'value'],
      properties: {
        name: { type: 'string' },
        unit: { type: 'string' },
        value: { type: 'number' },
        range: { type: 'string' },
        extra: { type: 'string' },
      },
    },
  };

  it("writes customSmallerIsBetter's array: one entry per measured cell, median in ns", () => {
    const entries = exportedJson(githubBenchmarkExporter, 'github-benchmark.json');
    const validate = new Ajv().compile(customSmallerIsBetter);
    assert.ok(validate(entries), JSON.stringify(validate.errors));
    const list = entries as Array<{ name: string; unit: string; value: number; range: string; extra: string }>;
    assert.deepEqual(
      list.map((entry) => entry.name),
      okCells.map((cell) => `${cell.workload} / ${cell.binding}`),
    );
    assert.ok(!list.some((entry) => entry.name === 'mmio-read / koffi-variadic'), 'the failed cell has no value');
    for (const [i, entry] of list.entries()) {
      const stats = okCells[i]?.stats;
      assert.ok(stats);
      assert.equal(entry.unit, 'ns');
      assert.ok(Math.abs(entry.value - stats.median) <= 0.0005);
      const halfWidth = (stats.medianCi95[1] - stats.medianCi95[0]) / 2;
      assert.match(entry.range, /^± \d+(\.\d+)?$/);
      // Three significant digits: a half-width of 4,043,352.25 ns reads ± 4040000.
      assert.ok(Math.abs(Number(entry.range.slice(2)) - halfWidth) <= 0.005 * halfWidth, entry.range);
      assert.match(entry.extra, /^median of 120 samples × \d+ iterations\n95 % CI /);
    }
  });
});

describe('Bencher Metric Format export', () => {
  // The BMF JSON schema from Bencher's reference: benchmark → measure → { value, lower_value?, upper_value? }.
  const bmf = {
    type: 'object',
    patternProperties: {
      '.+': {
        type: 'object',
        patternProperties: {
          '.+': {
            type: 'object',
            properties: {
              value: { type: 'number' },
              lower_value: { type: 'number' },
              upper_value: { type: 'number' },
            },
            required: ['value'],
          },
        },
      },
    },
  };

  it('writes the median and its 95 % CI as the latency measure of each measured cell', () => {
    const metrics = exportedJson(bencherExporter, 'bencher.json');
    const validate = new Ajv().compile(bmf);
    assert.ok(validate(metrics), JSON.stringify(validate.errors));
    const byName = metrics as Record<
      string,
      Record<string, { value: number; lower_value: number; upper_value: number }>
    >;
    assert.equal(Object.keys(byName).length, okCells.length);
    for (const cell of okCells) {
      const measures = byName[`${cell.workload} / ${cell.binding}`];
      assert.deepEqual(Object.keys(measures ?? {}), ['latency']);
      const stats = cell.stats;
      assert.ok(stats);
      assert.deepEqual(measures?.['latency'], {
        value: roundNs(stats.median),
        lower_value: roundNs(stats.medianCi95[0]),
        upper_value: roundNs(stats.medianCi95[1]),
      });
    }
  });

  it('rounds like the github-action-benchmark export: no float noise such as 884589.0000000054', () => {
    const [cell] = okCells;
    assert.ok(cell?.stats);
    const noisy = {
      ...fixture,
      measurements: [
        { ...cell, stats: { ...cell.stats, median: 884589.0000000054, medianCi95: [884500.00000001, 884700.1234567] } },
      ],
    } as typeof fixture;
    const [metric] = Object.values(bencherMetrics(noisy));
    assert.deepEqual(metric?.['latency'], { value: 884589, lower_value: 884500, upper_value: 884700.123 });
    const [entry] = githubBenchmarkExporter.export(noisy);
    assert.equal((JSON.parse(entry?.content ?? '[]') as Array<{ value: number }>)[0]?.value, 884589);
  });
});

describe('Markdown export of one run', () => {
  it('writes results.md with one escaped row per cell', () => {
    const results = renameBinding(fixture, 'napi', 'n|api<b>');
    const [file] = markdownExporter.export(results);
    assert.equal(file?.name, 'results.md');
    const markdown = file?.content ?? '';
    assert.match(markdown, /^## kvmbench run 20261125-140312-bench-runner-07\n/);
    assert.match(markdown, /\| pio-out \| n\\\|api&lt;b&gt; \| \d+(\.\d+)? (ns|µs|ms) \| /);
    assert.match(markdown, /\| mmio-read \| koffi-variadic \| {2}\| {2}\| {2}\| 0 \| failed: guest failure/);
    assert.match(markdown, /### Warnings\n\n- /);
  });

  it('escapes Markdown, HTML, line breaks, list markers and mentions', () => {
    assert.equal(escapeMarkdown('a|b'), 'a\\|b');
    assert.equal(
      escapeMarkdown('`code` *em* _em_ [link](x) ~s~ #1'),
      '\\`code\\` \\*em\\* \\_em\\_ \\[link\\](x) \\~s\\~ \\#1',
    );
    assert.equal(escapeMarkdown('<img src=x onerror="y"> & co'), '&lt;img src=x onerror=&quot;y&quot;&gt; &amp; co');
    assert.equal(escapeMarkdown('two\nlines\r\nhere'), 'two lines here');
    assert.equal(escapeMarkdown('    indented'), 'indented');
    assert.equal(escapeMarkdown('- item'), '\\- item');
    assert.equal(escapeMarkdown('---'), '\\---');
    assert.equal(escapeMarkdown('1. item'), '1\\. item');
    assert.equal(escapeMarkdown('6.8.0-pvm'), '6.8.0-pvm');
    assert.equal(escapeMarkdown('ping @team'), 'ping @\u200bteam');
    assert.equal(escapeMarkdown('back\\slash'), 'back\\\\slash');
  });
});

describe('export files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-exports-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a new file, refuses to replace it without force, replaces it with force, leaves no temporary files', () => {
    const path = join(dir, 'bencher.json');
    writeFileAtomically(path, 'first', '--export-bencher', false);
    assert.equal(readFileSync(path, 'utf8'), 'first');
    assert.throws(
      () => writeFileAtomically(path, 'second', '--export-bencher', false),
      (error: unknown) => error instanceof UsageError && /the file exists; pass --force/.test(error.message),
    );
    assert.equal(readFileSync(path, 'utf8'), 'first');
    writeFileAtomically(path, 'third', '--export-bencher', true);
    assert.equal(readFileSync(path, 'utf8'), 'third');
    assert.deepEqual(readdirSync(dir), ['bencher.json']);
  });

  it('checks the target before any work', () => {
    const existing = join(dir, 'existing.json');
    writeFileSync(existing, '{}');
    assert.throws(() => checkExportTarget(existing, '--export-bencher', false), /the file exists/);
    checkExportTarget(existing, '--export-bencher', true);
    checkExportTarget(join(dir, 'new.json'), '--export-bencher', false);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    assert.throws(() => checkExportTarget(folder, '--export-bencher', true), /that is a folder/);
    assert.throws(
      () => writeFileAtomically(join(dir, 'missing', 'x.json'), '{}', '--export-bencher', false),
      /--export-bencher .*missing\/x\.json: cannot write there/,
    );
  });
});
