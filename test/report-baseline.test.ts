/**
 * The HTML report against a baseline: the "Change against baseline" section (headline, runs side
 * by side, change table sorted by effect, ECDF overlays), its escaping, `kvmbench report` and
 * `kvmbench compare --html` as child processes, and the page in headless Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compareResults } from '../src/compare/compare-results.js';
import { IncomparableRunsError } from '../src/compare/host-check.js';
import { formatNs, formatTimestamp } from '../src/format/units.js';
import { bindingPalette } from '../src/report/html/palette.js';
import { htmlExporter, renderHtmlReport } from '../src/report/html.js';
import type { Results } from '../src/results/types.js';
import { escapeHtml } from '../src/util/escape.js';
import { launchChromium, skipBrowser } from './helpers/chromium.js';
import { kvmbenchAsync } from './helpers/cli.js';
import {
  FIXTURE_BINDINGS,
  FIXTURE_WORKLOADS,
  makeFixtureResults,
  renameBinding,
  withEveryCellFailed,
} from './helpers/fixture-results.js';
import { scaled, writeRun as writeRunIn } from './helpers/runs.js';

/** Set to a folder to keep the pages and screenshots there for a person to look at. */
const ARTIFACTS = process.env['KVMBENCH_HTML_ARTIFACTS'];

// Ten rounds: compare's unit is the turn, and three cannot make a change significant.
const current = makeFixtureResults({ rounds: 10, samplesPerRound: 12 });
/** An earlier run on the same host: other noise, another day, another commit. */
const baseline = makeFixtureResults({
  rounds: 10,
  samplesPerRound: 12,
  seed: 7,
  run: { id: '20261118-091500-bench-runner-07', startedAt: '2026-11-18T09:15:00.000Z' },
  host: { gitRevision: '1a2b3c4' },
});

/**
 * The bindings of pio-out 20 % slower and of hlt 15 % faster, their floor (c-loop) and the rest as in
 * the baseline's fixture: compare's default gate judges a binding on its time over the floor's, so a
 * change of the bindings alone is what it flags.
 */
const MIXED_FACTORS: Record<string, number> = { 'pio-out': 1.2, hlt: 0.85 };
const mixed = scaled(current, (cell) => (cell.binding === 'c-loop' ? 1 : (MIXED_FACTORS[cell.workload] ?? 1)), 'mixed');
/** Every binding 20 % slower, the floor as it was: the ratio to the floor moves by +20 %. */
const slowerBindings = (results: Results): Results =>
  scaled(results, (cell) => (cell.binding === 'c-loop' ? 1 : 1.2), 'slower');
/** The report of `current` against `baseline`, compared with compareResults' defaults. */
const against = (current: Results, baseline: Results): string =>
  renderHtmlReport(current, { baseline, comparison: compareResults(baseline, current) });

const mixedPage = against(mixed, baseline);

/** The markup of the change section, or '' when the page has none. */
function changeSection(page: string): string {
  return /<section id="change">[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
}

/** The change table's rows in page order: [verdict class, workload, binding]. */
function changeRows(page: string): Array<[string, string, string]> {
  const rows = [...changeSection(page).matchAll(/<tr class="change change-(\w+)">([\s\S]*?)<\/tr>/g)];
  return rows.map((row) => {
    const cells = [...(row[2] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) =>
      (cell[1] ?? '').replace(/<[^>]+>/g, ''),
    );
    return [row[1] ?? '', cells[0] ?? '', cells[1] ?? ''];
  });
}

/** Each ECDF chart's markup by workload (its aria-label starts with the workload name). */
function ecdfCharts(page: string): Map<string, string> {
  const charts = new Map<string, string>();
  for (const svg of changeSection(page).match(/<svg class="chart"[\s\S]*?<\/svg>/g) ?? []) {
    const label = /aria-label="([^"]*): ECDF of samples per binding/.exec(svg)?.[1];
    if (label !== undefined) charts.set(label, svg);
  }
  return charts;
}

describe('report against a baseline: markup', () => {
  test('without a baseline there is no change section, link or baseline chart', () => {
    const page = renderHtmlReport(current);
    assert.equal(changeSection(page), '');
    assert.ok(!page.includes('Change against baseline'));
    assert.ok(!page.includes('href="#change"'));
    assert.ok(!page.includes('ECDF'));
    assert.equal(htmlExporter.export(current)[0]?.content, page, 'the exporter renders the plain report');
    assert.equal(renderHtmlReport(current, {}), page);
  });

  test('with a baseline: the section comes first, linked, with both runs and the headline', () => {
    const section = changeSection(mixedPage);
    assert.ok(section, 'the section is there');
    assert.match(section, /<h2>Change against baseline<\/h2>/);
    assert.ok(mixedPage.indexOf('<section id="change">') < mixedPage.indexOf('<section id="environment">'));
    assert.ok(mixedPage.includes('<nav class="toc"><a href="#change">Change against baseline</a>'), 'first link');
    assert.match(mixedPage, /<title>kvmbench report — 20261125-140312-bench-runner-07-mixed against 20261118-091500/);
    // The baseline's run id, date and host, beside this run's.
    assert.ok(section.includes(`<code>${baseline.run.id}</code>`));
    assert.ok(section.includes(formatTimestamp(baseline.run.startedAt)));
    assert.ok(section.includes(baseline.host.hostname));
    assert.match(section, /<th scope="col">baseline<\/th><th scope="col">this run<\/th>/);
    assert.match(
      section,
      /<tr class="differs"><th scope="row">kvmbench<\/th><td>0\.1\.0 \(1a2b3c4\)<\/td><td>0\.1\.0 \(4b05a52\)/,
    );
    // The headline counts what compareResults finds with default thresholds.
    // The three bindings of pio-out regressed and of hlt improved, on their ratio to the floor.
    const { summary } = compareResults(baseline, mixed);
    assert.deepEqual(summary, { regressed: 3, improved: 3, unchanged: 13, inconclusive: 0, notGating: 0 });
    assert.match(section, /<span class="verdict-count verdict-regressed"><strong>3<\/strong> regressed<\/span>/);
    assert.match(section, /<span class="verdict-count verdict-improved"><strong>3<\/strong> improved<\/span>/);
    assert.match(section, /<span class="verdict-count verdict-unchanged"><strong>13<\/strong> unchanged<\/span>/);
    assert.match(section, /of 19 cells measured in both runs · threshold 3 %/);
    // The cell that failed in both runs is listed, not dropped; the method is explained.
    assert.match(
      section,
      /<strong>Not compared<\/strong>: <code>mmio-read<\/code> × koffi-variadic: <span class="reason">failed in the baseline run/,
    );
    assert.match(section, /How the verdicts are reached/);
    // The host differs only in the commit: listed as informational, closed.
    assert.match(
      section,
      /<details class="host-differences"><summary>Host and software differences \(1\): <code>gitRevision<\/code>/,
    );
    assert.ok(!/NaN|Infinity|undefined/.test(section), 'no NaN, Infinity or undefined');
  });

  test('every binding 20 % slower: every binding row regressed, +20 % on the ratio, with both medians', () => {
    const slower = slowerBindings(current);
    const page = against(slower, current);
    const rows = changeRows(page);
    assert.equal(rows.length, 19);
    assert.deepEqual(
      rows.filter(([, , binding]) => binding !== 'c-loop').map(([verdict]) => verdict),
      Array(14).fill('regressed'),
      'every binding row regressed',
    );
    assert.deepEqual(
      rows.filter(([, , binding]) => binding === 'c-loop').map(([verdict]) => verdict),
      Array(5).fill('unchanged'),
      'the floor rows did not move',
    );
    assert.match(changeSection(page), /<strong>14<\/strong> regressed/);
    const napi = current.measurements.find((m) => m.workload === 'pio-out' && m.binding === 'napi');
    const comparison = compareResults(current, slower);
    const cell = comparison.cells.find((c) => c.workload === 'pio-out' && c.binding === 'napi');
    assert.ok(napi?.stats && cell);
    const row =
      /<tr class="change change-regressed"><td><a href="#ecdf-pio-out"><code>pio-out<\/code><\/a><\/td><td><span class="binding"><span class="swatch" style="background:#[0-9a-f]{6}"><\/span>napi<\/span><\/td>[\s\S]*?<\/tr>/.exec(
        page,
      )?.[0];
    assert.ok(row, 'the pio-out × napi row');
    assert.ok(row.includes(formatNs(cell.baselineMedianNs)) && row.includes(formatNs(cell.currentMedianNs)));
    assert.match(row, />\+20\.0 %<span class="sub">\+\d+\.\d – \+\d+\.\d %<\/span>/, 'change with its 95 % CI');
    assert.equal(cell.basis, 'ratio-to-floor');
    assert.ok(cell.pValueHolm >= cell.pValue, 'Holm never lowers a p');
    assert.match(row, />(?:&lt; 0\.001|0\.\d{3})<span class="sub">raw &lt; 0\.001<\/span>/, 'Holm p beside the raw p');
    assert.match(row, /<span class="verdict verdict-regressed" title="threshold ±3 %">▲ regressed<\/span>/);
    assert.match(
      row,
      /on ÷ c-loop · absolute \+20\.\d % regressed/,
      'the verdict names its basis and the absolute change',
    );
  });

  test('a ×1.2 copy of every cell, floor included: the ratio gate holds, --on absolute regresses every row', () => {
    // What a host 20 % slower looks like: every absolute time moves, no ratio to the floor does.
    const slower = scaled(current, 1.2);
    const ratio = compareResults(current, slower);
    assert.equal(ratio.summary.regressed, 0);
    assert.ok(ratio.cells.filter((cell) => cell.binding !== 'c-loop').every((cell) => cell.verdict !== 'regressed'));
    const floors = ratio.cells.filter((cell) => cell.binding === 'c-loop');
    assert.ok(floors.every((cell) => cell.basis === 'absolute' && !cell.gates && cell.verdict === 'regressed'));
    assert.equal(ratio.summary.notGating, floors.length);

    const absolute = compareResults(current, slower, { on: 'absolute' });
    const page = renderHtmlReport(slower, { baseline: current, comparison: absolute });
    const rows = changeRows(page);
    assert.equal(rows.length, 19);
    assert.ok(
      rows.every(([verdict]) => verdict === 'regressed'),
      'all regressed on absolute time',
    );
    assert.match(changeSection(page), /<strong>19<\/strong> regressed/);
    assert.match(changeSection(page), /threshold 5 %/, 'absolute time has its own default threshold');
  });

  test('rows are sorted by effect: regressions (largest first), then improvements, then the rest', () => {
    const rows = changeRows(mixedPage);
    assert.equal(rows.length, 19);
    const verdicts = rows.map(([verdict]) => verdict);
    assert.deepEqual(verdicts, [
      ...Array(3).fill('regressed'),
      ...Array(3).fill('improved'),
      ...Array(13).fill('unchanged'),
    ]);
    assert.ok(rows.slice(0, 3).every(([, workload]) => workload === 'pio-out'));
    assert.ok(rows.slice(3, 6).every(([, workload]) => workload === 'hlt'));
    // Within the regressions, the largest change comes first.
    const changes = [...changeSection(mixedPage).matchAll(/<td class="num change-value"[^>]*>([+−][\d.]+) %/g)].map(
      (match) => Number((match[1] ?? '').replace('−', '-')),
    );
    assert.equal(changes.length, 19);
    const regressions = changes.slice(0, 3);
    assert.deepEqual(
      regressions,
      [...regressions].sort((a, b) => b - a),
    );
  });

  test('one ECDF chart per workload: a dashed baseline and a solid current curve per binding, same color', () => {
    const charts = ecdfCharts(mixedPage);
    assert.deepEqual([...charts.keys()], [...FIXTURE_WORKLOADS]);
    const palette = bindingPalette(mixed);
    for (const [workload, svg] of charts) {
      const measured = FIXTURE_BINDINGS.filter(
        (binding) => !(workload === 'mmio-read' && binding === 'koffi-variadic'),
      );
      const baselineCurves = [...svg.matchAll(/<path class="ecdf ecdf-baseline" stroke="(#[0-9a-f]{6})" d="M[^"]+"/g)];
      const currentCurves = [...svg.matchAll(/<path class="ecdf ecdf-current" stroke="(#[0-9a-f]{6})" d="M[^"]+"/g)];
      assert.equal(baselineCurves.length, measured.length, `${workload}: a baseline curve per measured binding`);
      assert.equal(currentCurves.length, measured.length, `${workload}: a current curve per measured binding`);
      assert.deepEqual(
        baselineCurves.map((match) => match[1]),
        measured.map((binding) => palette(binding)),
        `${workload}: baseline curves in the binding colors`,
      );
      assert.deepEqual(
        currentCurves.map((match) => match[1]),
        baselineCurves.map((match) => match[1]),
        `${workload}: same color for a binding in both runs`,
      );
      assert.match(
        svg,
        /class="axis-title"[^>]*>time per iteration \((?:ns|µs|ms)\)/,
        `${workload}: x axis in time units`,
      );
      assert.match(svg, />samples ≤ x \(%\)</, `${workload}: y axis`);
      assert.match(
        svg,
        /<path class="ecdf-key-line dashed"[^>]*\/><text[^>]*>baseline</,
        `${workload}: line-style key`,
      );
      assert.ok(!/NaN|Infinity/.test(svg), `${workload}: finite coordinates`);
    }
    assert.match(charts.get('pio-out') ?? '', /time per iteration \(µs\)/);
    assert.match(charts.get('lifecycle') ?? '', /time per iteration \(ms\)/);
    assert.match(charts.get('null-ioctl') ?? '', /time per iteration \(ns\)/);
    assert.match(
      changeSection(mixedPage),
      /<code>mmio-read<\/code><span class="muted"> · no curve for koffi-variadic \(failed in both runs\)/,
    );
    // Table rows link to their workload's chart.
    assert.ok(mixedPage.includes('<a href="#ecdf-pio-out">') && mixedPage.includes('id="ecdf-pio-out"'));
  });

  test('a binding in one run only: its color stays, it gets one curve, and the table says so', () => {
    const withoutKoffi: Results = {
      ...baseline,
      bindings: baseline.bindings.filter((binding) => binding.name !== 'koffi'),
      measurements: baseline.measurements.filter((cell) => cell.binding !== 'koffi'),
    };
    const page = against(current, withoutKoffi);
    const svg = ecdfCharts(page).get('pio-out') ?? '';
    assert.equal((svg.match(/class="ecdf ecdf-baseline"/g) ?? []).length, 3);
    assert.equal((svg.match(/class="ecdf ecdf-current"/g) ?? []).length, 4);
    assert.match(changeSection(page), /<strong>Only in this run<\/strong>: <code>lifecycle<\/code> × koffi/);
    assert.match(changeSection(page), /no curve for koffi in the baseline \(not measured\)/);
  });

  test('a comparison passed in is used as it is (thresholds, different hosts)', () => {
    const slower = slowerBindings(current);
    const lenient = compareResults(current, slower, { thresholds: { defaultPercent: 25, overrides: {} } });
    const page = renderHtmlReport(slower, { baseline: current, comparison: lenient });
    assert.ok(
      changeRows(page).every(([verdict]) => verdict === 'unchanged'),
      '+20 % is under a 25 % threshold',
    );
    assert.match(changeSection(page), /threshold 25 %/);

    const otherHost = { ...slower, host: { ...slower.host, cpuModel: 'AMD EPYC 7R13 48-Core Processor' } };
    assert.throws(() => compareResults(current, otherHost), IncomparableRunsError);
    const allowed = compareResults(current, otherHost, { allowDifferentHosts: true });
    const section = changeSection(renderHtmlReport(otherHost, { baseline: current, comparison: allowed }));
    assert.match(
      section,
      /<details class="host-differences host-differences-performance" open><summary><strong>The hosts differ in what changes performance<\/strong> \(<code>cpuModel<\/code>\)/,
    );
    assert.match(
      section,
      /<tr class="host-diff-performance"><td><code>cpuModel<\/code><\/td><td>Intel\(R\) Xeon\(R\) Platinum 8375C CPU @ 2\.90GHz<\/td><td>AMD EPYC 7R13/,
    );
    assert.match(section, /<tr class="differs"><th scope="row">CPU<\/th>/);
    assert.match(section, /<ul class="change-warnings"><li>compared across different hosts/);

    assert.throws(
      () => renderHtmlReport(current, { comparison: lenient }),
      /give a baseline together with its comparison/,
    );
  });

  test('nothing in common: every current cell failed, the section says so and still draws the baseline', () => {
    const failed = withEveryCellFailed(current);
    const section = changeSection(against(failed, baseline));
    assert.match(section, /<strong>No cell was measured in both runs<\/strong>/);
    assert.equal(changeRows(section).length, 0);
    assert.equal((section.match(/class="ecdf ecdf-current"/g) ?? []).length, 0);
    assert.equal((section.match(/class="ecdf ecdf-baseline"/g) ?? []).length, 19);
    assert.ok(!/NaN|Infinity|undefined/.test(section));
  });

  test('escaping: run ids, host, binding and workload names and reasons never reach the page raw', () => {
    const hostile = `na"pi'&<b>`;
    const evilWorkload = '<img src=x onerror=alert(1)>';
    const poison = (results: Results, id: string): Results => {
      const renamed = renameBinding(results, 'napi', hostile);
      return {
        ...renamed,
        run: { ...renamed.run, id },
        host: { ...renamed.host, hostname: '<script>alert(2)</script>', kernel: '"><svg onload=alert(3)>' },
        workloads: renamed.workloads.map((w) => (w.name === 'hlt' ? { ...w, name: evilWorkload } : w)),
        measurements: renamed.measurements.map((m) => ({
          ...m,
          workload: m.workload === 'hlt' ? evilWorkload : m.workload,
          ...(m.status === 'failed' ? { error: '</li><script>alert(4)</script>' } : {}),
        })),
      };
    };
    const before = poison(baseline, '<i>base</i>');
    const after = poison(scaled(current, 1.2), `'><b>now`);
    const comparison = compareResults(before, after, { allowDifferentHosts: true });
    const page = renderHtmlReport(after, { baseline: before, comparison });
    const section = changeSection(page);
    assert.ok(section);
    assert.ok(!page.includes('<script'), 'no script element');
    assert.ok(!page.includes('<img'), 'no injected image');
    assert.ok(!page.includes('<svg onload'), 'no injected svg');
    assert.ok(!page.includes('<i>base</i>') && !page.includes(`'><b>now`), 'run ids escaped');
    assert.ok(section.includes('&lt;i&gt;base&lt;/i&gt;'), 'the baseline id is shown escaped');
    assert.ok(!page.includes(hostile), 'binding name never raw');
    const charts = ecdfCharts(page);
    assert.ok(charts.has(escapeHtml(evilWorkload)), 'the ECDF chart is labelled with the escaped workload');
    assert.ok(
      (charts.get('pio-out') ?? '').includes(escapeHtml(hostile)),
      'the binding is escaped inside the SVG legend and tooltips',
    );
    assert.ok(section.includes(`<code>${escapeHtml(evilWorkload)}</code>`), 'workload escaped in the table');
    assert.ok(section.includes('href="#ecdf-_img_src_x_onerror_alert_1__"'), 'anchors are attribute-safe');
    assert.ok(section.includes('&lt;/li&gt;&lt;script&gt;alert(4)&lt;/script&gt;'), 'the failure reason is escaped');
  });
});

// ---- The CLI ---------------------------------------------------------------------------------------

const kvmbench = kvmbenchAsync;

describe('kvmbench report and compare --html (child processes)', { concurrency: true }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-report-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const writeRun = (name: string, content: Results | string): string => writeRunIn(scratch, name, content);

  const baseRun = writeRun('base', baseline);
  const currentRun = writeRun('current', mixed);

  test('report <run> writes the run folder report.html, and --baseline replaces it with the change section', async () => {
    const target = join(currentRun, 'report.html');
    const plain = await kvmbench(['report', currentRun]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout, `wrote ${target}\n`);
    assert.equal(readFileSync(target, 'utf8'), renderHtmlReport(mixed));

    // The run folder's report.html is derived: replacing it needs no --force.
    const against = await kvmbench(['report', currentRun, '--baseline', baseRun]);
    assert.equal(against.status, 0, against.stderr);
    assert.match(
      against.stdout,
      /^wrote .*report\.html \(20261125-140312-bench-runner-07-mixed against baseline 20261118-091500-bench-runner-07\)\n$/,
    );
    assert.match(against.stderr, /3 regressions, 3 improvements, 13 cells without significant change/);
    const page = readFileSync(target, 'utf8');
    assert.equal(changeRows(page).length, 19);
    assert.equal(ecdfCharts(page).size, FIXTURE_WORKLOADS.length);
    assert.deepEqual(readdirSync(currentRun).sort(), ['report.html', 'results.json'], 'no temporary file left');

    // A results.json stands for its folder.
    const viaFile = await kvmbench(['report', join(currentRun, 'results.json')]);
    assert.equal(viaFile.status, 0, viaFile.stderr);
    assert.equal(changeSection(readFileSync(target, 'utf8')), '', 'rendered again without a baseline');
  });

  test('--out writes that file, and refuses to replace it without --force', async () => {
    const out = join(scratch, 'change.html');
    const first = await kvmbench(['report', currentRun, '--baseline', baseRun, '--out', out]);
    assert.equal(first.status, 0, first.stderr);
    assert.ok(changeSection(readFileSync(out, 'utf8')));

    writeFileSync(out, 'keep me');
    const refused = await kvmbench(['report', currentRun, '--out', out]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /^kvmbench: --out .*change\.html: the file exists; pass --force to replace it\n$/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me', 'untouched');

    const forced = await kvmbench(['report', currentRun, '--baseline', baseRun, '--out', out, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.ok(changeSection(readFileSync(out, 'utf8')), 'replaced');
    // Only this file's temporaries: the tests of this suite run at once and share the folder.
    assert.ok(
      !readdirSync(scratch).some((name) => name.startsWith('.change.html.') && name.endsWith('.tmp')),
      'no temporary file left',
    );
  });

  test('bad input exits 2 with a message that names the problem', async () => {
    const missing = await kvmbench(['report', join(scratch, 'nope')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope: no such file or folder: give a run folder/);

    const corrupt = writeRun('corrupt', '{"schemaVersion": 1, ');
    const badBaseline = await kvmbench(['report', currentRun, '--baseline', corrupt, '--out', join(scratch, 'x.html')]);
    assert.equal(badBaseline.status, 2);
    assert.match(badBaseline.stderr, /corrupt[/\\]results\.json: corrupt or truncated JSON/);
    assert.ok(!existsSync(join(scratch, 'x.html')), 'nothing written');

    const loose = join(scratch, 'loose.json');
    writeFileSync(loose, JSON.stringify(mixed));
    const noTarget = await kvmbench(['report', loose]);
    assert.equal(noTarget.status, 2);
    assert.match(
      noTarget.stderr,
      /loose\.json is not a run folder nor its results\.json: say where the report goes with --out FILE/,
    );

    const otherHost = writeRun('other-host', { ...mixed, host: { ...mixed.host, cpuModel: 'AMD EPYC 7R13' } });
    const refused = await kvmbench(['report', otherHost, '--baseline', baseRun]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /the runs come from hosts that differ[\s\S]*--allow-different-hosts/);
    const allowed = await kvmbench(['report', otherHost, '--baseline', baseRun, '--allow-different-hosts']);
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.match(readFileSync(join(otherHost, 'report.html'), 'utf8'), /The hosts differ in what changes performance/);

    const folder = await kvmbench(['report', currentRun, '--out', scratch]);
    assert.equal(folder.status, 2);
    assert.match(folder.stderr, /--out .*: that is a folder; give a file name/);
  });

  test('compare A B --html FILE writes B against A, keeping the exit code; refuses an existing file', async () => {
    const out = join(scratch, 'compare.html');
    const run = await kvmbench(['compare', baseRun, currentRun, '--html', out, '--threshold', '4']);
    assert.equal(run.status, 1, 'a regression still exits 1');
    assert.match(
      run.stderr,
      /kvmbench compare: wrote .*compare\.html \(HTML report of the current run against the baseline\)/,
    );
    const page = readFileSync(out, 'utf8');
    assert.match(changeSection(page), /threshold 4 %/, 'the command line thresholds are used');
    assert.equal(changeRows(page)[0]?.[0], 'regressed');
    assert.ok(page.includes(`<code>${baseline.run.id}</code>`));

    const again = await kvmbench(['compare', baseRun, currentRun, '--html', out]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /--html .*compare\.html: the file exists; pass --force to replace it/);
    assert.equal(again.stdout, '', 'refused before comparing');
    const forced = await kvmbench(['compare', baseRun, currentRun, '--html', out, '--force']);
    assert.equal(forced.status, 1, forced.stderr);
    assert.match(changeSection(readFileSync(out, 'utf8')), /threshold 3 %/, 'the ratio gate default');
  });
});

// ---- The browser check -----------------------------------------------------------------------------

interface BaselinePageFacts {
  ecdf: Array<{ label: string; width: number; height: number; curves: number }>;
  sparks: Array<{ width: number; height: number }>;
  rows: number;
  sectionHeight: number;
  overflow: number;
  background: string;
}

const FACTS = `JSON.stringify({
  ecdf: [...document.querySelectorAll('#change svg.chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    return { label: svg.getAttribute('aria-label'), width: box.width, height: box.height,
             curves: [...svg.querySelectorAll('path.ecdf')].filter((p) => p.getBBox().width > 0).length };
  }),
  sparks: [...document.querySelectorAll('#change svg.spark')].map((svg) => {
    const box = svg.getBoundingClientRect();
    return { width: box.width, height: box.height };
  }),
  rows: document.querySelectorAll('#change tr.change').length,
  sectionHeight: document.getElementById('change').getBoundingClientRect().height,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  background: getComputedStyle(document.documentElement).backgroundColor,
})`;

test('browser: the baseline report opens offline without console errors and draws its ECDF charts', {
  skip: skipBrowser,
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-baseline-html-'));
  const browser = await launchChromium();
  const kept: string[] = [];
  try {
    const page = await browser.openPage();
    await page.setViewport(1280, 900);

    const path = join(dir, 'report-baseline.html');
    writeFileSync(path, mixedPage);
    kept.push('report-baseline.html');
    await page.open(path);

    const facts = await page.evaluate<BaselinePageFacts>(FACTS);
    assert.equal(facts.ecdf.length, FIXTURE_WORKLOADS.length, 'an ECDF chart per workload');
    for (const chart of facts.ecdf) {
      assert.ok(chart.width > 300 && chart.height > 150, `${chart.label} is drawn at ${chart.width}×${chart.height}`);
      assert.ok(chart.curves >= 6, `${chart.label}: ${chart.curves} curves with a size`);
    }
    assert.equal(facts.rows, 19);
    assert.equal(facts.sparks.length, 19);
    for (const spark of facts.sparks) assert.ok(spark.width > 0 && spark.height > 0, 'change plots have a size');
    assert.ok(facts.overflow <= 0, `no horizontal scrolling at 1280 px (overflow ${facts.overflow} px)`);

    const section = await page.screenshot(join(dir, 'report-baseline-change.png'), { element: 'change' });
    kept.push('report-baseline-change.png');
    assert.ok(section.readUInt32BE(20) > 1000, 'the section is drawn');
    await page.screenshot(join(dir, 'report-baseline.png'), 'page');
    kept.push('report-baseline.png');

    await page.emulateColorScheme('dark');
    const dark = await page.evaluate<BaselinePageFacts>(FACTS);
    assert.notEqual(dark.background, facts.background, 'the dark theme applies');
    await page.screenshot(join(dir, 'report-baseline-change-dark.png'), { element: 'change' });
    kept.push('report-baseline-change-dark.png');

    const { errors, requests } = browser.problems();
    assert.deepEqual(errors, [], 'no console errors, exceptions or CSP violations');
    assert.deepEqual(
      requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:')),
      [],
      'nothing fetched from a network',
    );

    if (ARTIFACTS) {
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const name of kept) writeFileSync(join(ARTIFACTS, name), readFileSync(join(dir, name)));
      t.diagnostic(`screenshots in ${ARTIFACTS}`);
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
