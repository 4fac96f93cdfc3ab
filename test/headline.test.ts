/** The run's answer in a few sentences (the last lines of `run`, the top of the report), wrapped to the terminal. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runWarnings } from '../src/bench/warnings.js';
import { terminalWidth, wrapText } from '../src/format/wrap.js';
import { headlineSentences } from '../src/report/headline.js';
import { renderHtmlReport } from '../src/report/html.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

test('names an exit and the lifecycle through each binding over the floor, with intervals, then the cells that failed', () => {
  const [exit, lifecycle, problems] = headlineSentences(makeFixtureResults());
  assert.match(
    exit ?? '',
    /^pio-out: c-loop \S+\u00a0µs; over it napi \+\S+\u00a0ns \(\+\S+ – \+\S+\u00a0ns\), koffi .*, koffi-variadic .*\.$/,
  );
  assert.match(lifecycle ?? '', /^lifecycle: c-loop \S+\u00a0ms; over it napi .*\(.*\)/);
  assert.match(
    problems ?? '',
    /^1 of 20 cells did not measure cleanly: mmio-read \/ koffi-variadic failed \(above\)\.$/,
  );
});

test('the report opens on the same sentences', () => {
  const results = makeFixtureResults();
  const page = renderHtmlReport(results);
  const answer = page.slice(
    page.indexOf('<section id="answer"'),
    page.indexOf('</section>', page.indexOf('<section id="answer"')),
  );
  assert.ok(page.indexOf('id="answer"') < page.indexOf('id="overhead"'), 'before the charts');
  for (const sentence of headlineSentences(results))
    assert.ok(answer.includes(sentence.split(';')[0] as string), sentence);
});

test('wraps at spaces to the width, later lines indented; 80 columns when stdout is not a terminal', () => {
  const lines = wrapText('word '.repeat(60).trim(), 40);
  assert.ok(lines.length > 1);
  for (const line of lines) assert.ok(line.length <= 40, line);
  assert.ok(lines.slice(1).every((line) => line.startsWith('  ')));
  const columns = process.env.COLUMNS;
  try {
    delete process.env.COLUMNS;
    assert.equal(terminalWidth({ isTTY: false, columns: 200 }), 80);
    process.env.COLUMNS = '120';
    assert.equal(terminalWidth({ isTTY: false }), 120, 'COLUMNS where there is no terminal');
  } finally {
    if (columns === undefined) delete process.env.COLUMNS;
    else process.env.COLUMNS = columns;
  }
  assert.equal(terminalWidth({ isTTY: true, columns: 132 }), 132);
});

test('a warning names the worst four cells and counts the rest', () => {
  const results = makeFixtureResults();
  const cells = results.measurements.map((m, i) => (m.stats ? { ...m, stats: { ...m.stats, cv: 0.2 + i / 100 } } : m));
  const noisy = runWarnings({ measurements: cells, harness: { targetSampleNs: 500_000 } }).find((warning) =>
    warning.includes('are noisy'),
  );
  assert.match(noisy ?? '', /\(CV \d+ %\), .*\(CV \d+ %\) and \d+ more$/);
  const named = [...(noisy ?? '').matchAll(/CV (\d+) %/g)].map((match) => Number(match[1]));
  assert.equal(named.length, 4);
  assert.deepEqual(
    named,
    [...named].sort((a, b) => b - a),
    'the noisiest first',
  );
});
