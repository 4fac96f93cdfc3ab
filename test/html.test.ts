/**
 * The HTML report: content and escaping checked on the markup, then the page opened from file://
 * in headless Chromium (test/helpers/chromium.ts: playwright-core driving Debian's /usr/bin/chromium),
 * to prove it loads offline without errors, fetches nothing and draws charts with a real size.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatNs, formatNsInterval } from '../src/format/units.js';
import { html } from '../src/report/html/escape.js';
import { warningLines } from '../src/report/html/sections/warnings.js';
import { htmlExporter, renderHtmlReport } from '../src/report/html.js';
import type { Results } from '../src/results/types.js';
import { escapeHtml } from '../src/util/escape.js';
import { launchChromium, pngSize, skipBrowser, withTimeout } from './helpers/chromium.js';
import {
  FIXTURE_FAILED_CELL,
  FIXTURE_MISMATCHED_CELL,
  FIXTURE_TURNAROUND_NS,
  makeFixtureResults,
  renameBinding,
  withEveryCellFailed,
} from './helpers/fixture-results.js';

/** Set to a folder to keep report.html and the screenshots there for a person to look at. */
const ARTIFACTS = process.env['KVMBENCH_HTML_ARTIFACTS'];

const fixture = makeFixtureResults();
const report = renderHtmlReport(fixture);
const ftraceFixture = makeFixtureResults({ trace: 'ftrace' });
const ftraceReport = renderHtmlReport(ftraceFixture);

function cell(results: Results, workload: string, binding: string) {
  const found = results.measurements.find((m) => m.workload === workload && m.binding === binding);
  assert.ok(found, `fixture has ${workload} × ${binding}`);
  return found;
}

test('html exporter: one report.html', () => {
  const files = htmlExporter.export(fixture);
  assert.equal(htmlExporter.format, 'html');
  assert.deepEqual(
    files.map((file) => file.name),
    ['report.html'],
  );
  assert.equal(files[0]?.content, report);
  assert.match(report, /^<!doctype html>/);
});

test('fixture: deterministic, typed, with the failed cell and the exit-count mismatch', () => {
  assert.deepEqual(makeFixtureResults(), fixture);
  assert.equal(fixture.measurements.length, 20);
  assert.equal(cell(fixture, FIXTURE_FAILED_CELL.workload, FIXTURE_FAILED_CELL.binding).status, 'failed');
  assert.equal(
    cell(fixture, FIXTURE_MISMATCHED_CELL.workload, FIXTURE_MISMATCHED_CELL.binding).exitCountCheck?.matched,
    false,
  );
  const pio = (binding: string) => cell(fixture, 'pio-out', binding).stats?.median ?? 0;
  assert.ok(pio('c-loop') < pio('napi') && pio('napi') < pio('koffi') && pio('koffi') < pio('koffi-variadic'));
  assert.equal(cell(fixture, 'lifecycle', 'napi').steps?.length, 8);
});

test('formatting: three significant digits in a fitting unit', () => {
  assert.equal(formatNs(7012.4), '7.01 µs');
  assert.equal(formatNs(950), '950 ns');
  assert.equal(formatNs(999.7), '1.00 µs');
  assert.equal(formatNs(1_234_000), '1.23 ms');
  assert.equal(formatNsInterval(7006, 7041), '7.01–7.04 µs');
  assert.equal(formatNsInterval(1_003_400, 1_010_200), '1.003–1.010 ms');
});

test('summary table: one row per workload × binding with its numbers, failed cells with their error', () => {
  const rows = report.match(/<tr class="row-/g) ?? [];
  assert.equal(rows.length, fixture.measurements.length);
  const napi = cell(fixture, 'pio-out', 'napi');
  assert.ok(report.includes(formatNs(napi.stats?.median ?? 0)), 'pio-out × napi median');
  assert.ok(report.includes(formatNs(napi.stats?.p99 ?? 0)), 'pio-out × napi p99');
  assert.ok(report.includes(escapeHtml(FIXTURE_FAILED_CELL.error)), 'the failed cell shows its error');
  assert.match(report, /matched ✓/);
  assert.match(report, /mismatch ✗/);
  assert.match(report, />unavailable</);
  for (const warning of fixture.warnings) assert.ok(report.includes(escapeHtml(warning)), `warning: ${warning}`);
});

test('every chart kind is there: distributions, medians, lifecycle, overhead, run order', () => {
  for (const label of [
    'Distribution of pio-out samples per binding',
    'Median of pio-out per binding with 95 % CI',
    'lifecycle: median time of each step per binding',
    'Overhead of each binding over c-loop for pio-out',
    'pio-out: samples in run order',
  ]) {
    assert.ok(report.includes(`aria-label="${label}"`), label);
  }
});

test('escaping: host and run strings cannot inject markup, in HTML or in SVG', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(
    html`<b title="${'"onmouseover="x'}">${'<i>'}</b>`.value,
    '<b title="&quot;onmouseover=&quot;x">&lt;i&gt;</b>',
  );

  const hostile = `na"pi'&<b>`;
  const results = renameBinding(
    {
      ...fixture,
      host: { ...fixture.host, cpuModel: '<script>alert(1)</script>', hostname: '<img src=x onerror=alert(2)>' },
      warnings: [...fixture.warnings, '</li><script>alert(3)</script>'],
    },
    'napi',
    hostile,
  );
  const page = renderHtmlReport(results);
  assert.ok(!page.includes('<script'), 'no script element at all');
  assert.ok(!page.includes('<img'), 'no injected element');
  assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'CPU model escaped');
  assert.ok(!page.includes(hostile), 'binding name never raw');
  const escapedName = escapeHtml(hostile);
  assert.equal(escapedName, 'na&quot;pi&#39;&amp;&lt;b&gt;');
  const svgs = page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
  assert.ok(
    svgs.some((svg) => svg.includes(escapedName)),
    'escaped in SVG text too',
  );
  assert.ok(page.split(escapedName).length - 1 >= 10, 'the name appears escaped in table, legend and charts');
});

test('offline: no network references, no scripts, a CSP that forbids fetching', () => {
  assert.ok(
    !/\b(?:src|href|action|poster|srcset)\s*=\s*["']?\s*(?:https?:)?\/\//i.test(report),
    'no src/href to a network',
  );
  assert.ok(!/url\(\s*["']?\s*(?:https?:)?\/\//i.test(report), 'no CSS url() to a network');
  assert.ok(!/@import/i.test(report), 'no CSS @import');
  assert.ok(!report.includes('http://') && !report.includes('https://'), 'no URL anywhere');
  assert.match(report, /Content-Security-Policy" content="default-src &#39;none&#39;/);
});

test('status: an INCOMPLETE banner only when the run was interrupted', () => {
  assert.ok(!report.includes('class="banner-incomplete"'));
  const incomplete = renderHtmlReport({ ...fixture, run: { ...fixture.run, status: 'incomplete' } });
  assert.match(incomplete, /class="banner-incomplete" role="alert"><strong>INCOMPLETE run<\/strong>/);
});

test('degenerate runs still render: every cell failed, no warnings, unknown bindings', () => {
  const page = renderHtmlReport({ ...withEveryCellFailed(fixture), warnings: [], bindings: [] });
  assert.ok(!page.includes('id="warnings"'));
  assert.ok(page.includes('KVM_CREATE_VM: EPERM'));
  assert.ok(!/NaN|Infinity/.test(page), 'no NaN or Infinity leaks into the markup');
  assert.ok(!/NaN|Infinity/.test(report), 'nor in the normal report');
});

// ---- --trace: "Where the time goes" ------------------------------------------------------------

/** The markup of the trace section, or '' when the page has none. */
function traceSectionOf(page: string): string {
  return /<section id="trace">[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
}

test('fixture with --trace: realistic splits, counts and files; the default fixture unchanged', () => {
  assert.ok(
    fixture.measurements.every((m) => m.trace === undefined),
    'no trace by default',
  );
  assert.equal(fixture.run.options.trace, undefined);
  assert.deepEqual(makeFixtureResults({ trace: 'ftrace' }), ftraceFixture, 'deterministic');
  assert.equal(ftraceFixture.run.options.trace, 'ftrace');
  const napi = cell(ftraceFixture, 'pio-out', 'napi').trace;
  assert.equal(napi?.mode, 'ftrace');
  assert.ok(napi?.split && Math.abs(napi.split.inKvmRunNs - 6900) < 100, 'about 6.9 µs inside KVM_RUN');
  for (const [binding, turnaround] of Object.entries(FIXTURE_TURNAROUND_NS)) {
    const split = cell(ftraceFixture, 'pio-out', binding).trace?.split;
    assert.ok(split && Math.abs(split.userspaceTurnaroundNs - turnaround) < 40, `${binding} turnaround`);
  }
  assert.equal(cell(ftraceFixture, 'lifecycle', 'napi').trace, undefined, 'ftrace skips the lifecycle');
  assert.equal(cell(ftraceFixture, FIXTURE_FAILED_CELL.workload, FIXTURE_FAILED_CELL.binding).trace, undefined);
  assert.equal(cell(ftraceFixture, 'null-ioctl', 'napi').trace?.split?.runs, 0, 'the baseline has no KVM_RUN');
  const pvm = makeFixtureResults({ trace: 'ftrace', traceGuestSplit: false });
  assert.equal(cell(pvm, 'pio-out', 'napi').trace?.split?.inGuestNs, undefined);

  const perfStat = makeFixtureResults({ trace: 'perf-stat' });
  const checks = perfStat.measurements.flatMap((m) => (m.trace?.countCheck ? [m.trace.countCheck] : []));
  assert.ok(checks.length >= 12);
  assert.equal(checks.filter((check) => !check.matched).length, 1, 'exactly one count mismatch');
  assert.equal(
    cell(perfStat, FIXTURE_MISMATCHED_CELL.workload, FIXTURE_MISMATCHED_CELL.binding).trace?.countCheck?.matched,
    false,
  );
  const perfRecord = makeFixtureResults({ trace: 'perf-record' });
  assert.equal(cell(perfRecord, 'pio-out', 'koffi').trace?.rawFile, 'trace/flamegraph.svg');
});

test('trace section: none without --trace, and no empty heading or link for it', () => {
  assert.equal(traceSectionOf(report), '');
  assert.ok(!report.includes('Where the time goes'), 'not in the table of contents either');
  assert.ok(!report.includes('href="#trace"'));
  const body = report.slice(report.indexOf('</style>'));
  assert.ok(!/trace-(?:legend|block|note|loop)/.test(body), 'no trace markup at all');
});

test('trace section, ftrace: stacked bars per workload, legend, table with the split and raw-trace links', () => {
  const section = traceSectionOf(ftraceReport);
  assert.ok(section, 'the section is there');
  assert.match(section, /<h2>Where the time goes<\/h2>/);
  assert.ok(ftraceReport.includes('<a href="#trace">Where the time goes</a>'), 'linked from the table of contents');
  // Charts for the exit workloads only: ftrace skips the lifecycle and the baseline has no KVM_RUN.
  for (const workload of ['pio-out', 'mmio-read', 'hlt']) {
    assert.ok(
      section.includes(`aria-label="${workload}: where each round trip&#39;s time goes, per binding (ftrace)"`),
      workload,
    );
  }
  assert.ok(!section.includes('aria-label="null-ioctl:'), 'no chart for the baseline');
  assert.ok(!section.includes('aria-label="lifecycle:'), 'no chart for the lifecycle');
  assert.match(section, /Not split: <code>null-ioctl<\/code>/);
  // The legend's two definitions.
  assert.match(section, /inside KVM_RUN<\/dt><dd>= kernel \+ guest \(\+ PVM world switch\)/);
  assert.match(section, /userspace turnaround<\/dt><dd>= the binding's cost between two KVM_RUNs/);
  assert.ok(!section.includes('where not split'), 'every drawn bar has its guest split');
  assert.match(section, /guest \(kvm_entry → kvm_exit\)/);
  assert.ok(!section.includes('does not fire'), 'guest split present: no PVM note');
  // The table: every column, and the numbers of one cell.
  for (const column of [
    'in KVM_RUN',
    'turnaround',
    'sum',
    'traced loop',
    'untraced median',
    'sum vs traced loop',
    'raw trace',
  ]) {
    assert.ok(section.includes(`>${column}</th>`), column);
  }
  const napi = cell(ftraceFixture, 'pio-out', 'napi');
  const split = napi.trace?.split;
  assert.ok(split && napi.trace && napi.stats);
  const loop = napi.trace.tracedLoopNsPerIteration;
  for (const value of [
    formatNs(split.inKvmRunNs),
    formatNs(split.userspaceTurnaroundNs),
    formatNs(split.roundTripNs),
    formatNs(loop),
    formatNs(napi.stats.median),
    `${((split.roundTripNs / loop) * 100).toFixed(1)} %`,
    `guest ${formatNs(split.inGuestNs ?? 0)}`,
  ]) {
    assert.ok(section.includes(value), `pio-out × napi shows ${value}`);
  }
  assert.ok(section.includes('<a href="trace/pio-out--napi.txt"><code>trace/pio-out--napi.txt</code></a>'));
  assert.equal((section.match(/<a href="trace\//g) ?? []).length, 11, 'a raw trace link per traced exit cell');
  assert.match(section, /failed: no traced batch/, 'the failed cell keeps its row');
  // Ticks for the traced loop and the untraced median on every bar.
  assert.equal((section.match(/class="trace-loop"/g) ?? []).length, 11);
  assert.equal((section.match(/class="trace-untraced"/g) ?? []).length, 11);
  assert.ok(!/NaN|Infinity|undefined/.test(section), 'no NaN, Infinity or undefined');
});

test('trace section, ftrace on a host without kvm_entry/kvm_exit: says so, draws KVM_RUN whole', () => {
  const section = traceSectionOf(renderHtmlReport(makeFixtureResults({ trace: 'ftrace', traceGuestSplit: false })));
  assert.match(
    section,
    /this host does not fire <code>kvm:kvm_exit<\/code> \/ <code>kvm:kvm_entry<\/code> \(e\.g\. PVM\)/,
  );
  assert.ok(!section.includes('guest (kvm_entry'), 'no guest key in the legend');
  assert.ok(!section.includes('inside KVM_RUN: guest'), 'no guest segment');
  assert.ok(section.includes('<title>napi · inside KVM_RUN: '), 'one KVM_RUN segment per bar');
});

test('trace section, perf-stat: counts per workload × binding and the check, ✓ or MISMATCH', () => {
  const results = makeFixtureResults({ trace: 'perf-stat' });
  const section = traceSectionOf(renderHtmlReport(results));
  assert.ok(section, 'the section is there');
  assert.ok(!section.includes('<svg'), 'no split charts without ftrace');
  for (const event of ['kvm_userspace_exit', 'kvm_exit', 'kvm_pio', 'kvm_mmio', 'sys_enter_ioctl']) {
    assert.ok(section.includes(`>${event}</th>`), event);
  }
  const traced = results.measurements.filter((m) => m.trace);
  assert.equal((section.match(/<tr><th scope="rowgroup"|<tr><td><span class="binding">/g) ?? []).length, traced.length);
  assert.equal((section.match(/class="check-bad"/g) ?? []).length, 1, 'one MISMATCH');
  assert.equal(
    (section.match(/class="check-ok"/g) ?? []).length,
    traced.filter((m) => m.trace?.countCheck?.matched).length,
  );
  assert.match(section, />MISMATCH<span class="sub">kvm_userspace_exit \+3 /);
  const pio = cell(results, 'pio-out', 'koffi').trace;
  assert.ok(section.includes(formatNs(pio?.tracedLoopNsPerIteration ?? 0)));
  assert.ok(!section.includes('counted nothing'), 'kvm_exit fires here');
  const pvm = traceSectionOf(renderHtmlReport(makeFixtureResults({ trace: 'perf-stat', traceGuestSplit: false })));
  assert.match(pvm, /<code>kvm_exit<\/code> counted nothing: this host does not fire/);
});

test('trace section, perf-record: a relative link to the flame graph and how to read it', () => {
  const page = renderHtmlReport(makeFixtureResults({ trace: 'perf-record' }));
  const section = traceSectionOf(page);
  assert.ok(section.includes('<a href="trace/flamegraph.svg"><code>trace/flamegraph.svg</code></a>'));
  assert.match(section, /How to read it: each box is a function/);
  assert.ok(!section.includes('<svg'), 'the flame graph is linked, not embedded');
  assert.ok(!/NaN|Infinity|undefined/.test(section));
});

test('trace section: raw file paths are escaped, and only relative paths become links', () => {
  const hostile = `trace/"><img src=x onerror=alert(1)>'&.txt`;
  const withPath = (rawFile: string) => ({
    ...ftraceFixture,
    measurements: ftraceFixture.measurements.map((m) =>
      m.workload === 'pio-out' && m.binding === 'napi' && m.trace ? { ...m, trace: { ...m.trace, rawFile } } : m,
    ),
  });
  const section = traceSectionOf(renderHtmlReport(withPath(hostile)));
  assert.ok(!section.includes('<img'), 'no injected element');
  assert.ok(!section.includes(hostile), 'never raw');
  assert.ok(section.includes(`<code>${escapeHtml(hostile)}</code>`), 'shown escaped');
  assert.ok(
    section.includes(`href="trace/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&#39;%26.txt"`),
    'href percent-encoded and escaped',
  );
  for (const unsafe of ['javascript:alert(1)', '/etc/passwd', '//example.org/x.txt']) {
    const page = traceSectionOf(renderHtmlReport(withPath(unsafe)));
    assert.ok(page.includes(`<code>${escapeHtml(unsafe)}</code>`), `${unsafe} is shown`);
    assert.ok(!page.includes(`href="${escapeHtml(unsafe)}"`), `${unsafe} is not linked`);
  }
});

// ---- The browser check -------------------------------------------------------------------------

interface PageFacts {
  title: string;
  svgs: Array<{ label: string; width: number; height: number; marks: number }>;
  horizontalOverflow: number;
  background: string;
}

const FACTS_SCRIPT = `JSON.stringify({
  title: document.title,
  svgs: [...document.querySelectorAll('svg.chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    return { label: svg.getAttribute('aria-label'), width: box.width, height: box.height,
             marks: svg.querySelectorAll('circle, rect, path').length };
  }),
  horizontalOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  background: getComputedStyle(document.documentElement).backgroundColor,
})`;

interface BrowserPage {
  /** File name without extension: report.html, report.png, ... */
  name: string;
  markup: string;
  svgs: number;
  /** Also shot on its own (light and dark), e.g. the section a page is there to show. */
  section?: string;
}

const BROWSER_PAGES: BrowserPage[] = [
  // 5 workloads × (distribution, medians, overhead, run order) + 1 lifecycle chart.
  { name: 'report', markup: report, svgs: 21 },
  // ... + a split chart for each exit workload (pio-out, mmio-read, hlt).
  { name: 'report-ftrace', markup: ftraceReport, svgs: 24, section: 'trace' },
  {
    name: 'report-ftrace-pvm',
    markup: renderHtmlReport(makeFixtureResults({ trace: 'ftrace', traceGuestSplit: false })),
    svgs: 24,
    section: 'trace',
  },
  {
    name: 'report-perf-record',
    markup: renderHtmlReport(makeFixtureResults({ trace: 'perf-record' })),
    svgs: 21,
    section: 'trace',
  },
  {
    name: 'report-perf-stat',
    markup: renderHtmlReport(makeFixtureResults({ trace: 'perf-stat' })),
    svgs: 21,
    section: 'trace',
  },
];

test('browser: the reports open from file:// offline, without errors, and draw their charts', {
  skip: skipBrowser,
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-html-'));
  const kept: string[] = [];
  const browser = await launchChromium();
  try {
    await withTimeout(
      (async () => {
        const page = await browser.openPage();
        const pageFacts = () => page.evaluate<PageFacts>(FACTS_SCRIPT, 'page facts evaluated');

        for (const shown of BROWSER_PAGES) {
          await page.setViewport(1280, 900);
          await page.emulateColorScheme();
          const reportPath = join(dir, `${shown.name}.html`);
          writeFileSync(reportPath, shown.markup);
          kept.push(`${shown.name}.html`);
          await page.open(reportPath);

          const facts = await pageFacts();
          assert.match(facts.title, /^kvmbench report/);
          assert.equal(facts.svgs.length, shown.svgs, `${shown.name}: all charts are in the DOM`);
          for (const svg of facts.svgs) {
            assert.ok(svg.width > 200 && svg.height > 60, `${svg.label} is drawn at ${svg.width}×${svg.height}`);
            assert.ok(svg.marks > 5, `${svg.label} has marks`);
          }
          assert.ok(
            facts.horizontalOverflow <= 0,
            `${shown.name}: no horizontal scrolling at 1280 px (overflow ${facts.horizontalOverflow} px)`,
          );

          const png = await page.screenshot(join(dir, `${shown.name}.png`), 'page');
          kept.push(`${shown.name}.png`);
          const size = pngSize(png);
          assert.ok(png.length > 100_000, `full-page screenshot is ${png.length} bytes`);
          assert.ok(size.width === 1280 && size.height > 3000, `screenshot is ${size.width}×${size.height}`);
          if (shown.section) {
            const part = await page.screenshot(join(dir, `${shown.name}-${shown.section}.png`), {
              element: shown.section,
            });
            kept.push(`${shown.name}-${shown.section}.png`);
            assert.ok(pngSize(part).height > 200, `the ${shown.section} section is drawn`);
          }

          await page.emulateColorScheme('dark');
          const dark = await pageFacts();
          assert.notEqual(dark.background, facts.background, 'the dark theme applies');
          const darkName = shown.section ? `${shown.name}-${shown.section}-dark.png` : `${shown.name}-dark.png`;
          await page.screenshot(join(dir, darkName), shown.section ? { element: shown.section } : 'viewport');
          kept.push(darkName);
        }

        const { errors, requests } = browser.problems();
        assert.deepEqual(errors, [], 'no console errors, exceptions or CSP violations');
        assert.deepEqual(
          requests.filter((request) => !request.startsWith('file:') && !request.startsWith('data:')),
          [],
          'nothing fetched from a network',
        );
      })(),
      50_000,
      'chromium',
    );
    if (ARTIFACTS) {
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const name of kept) copyFileSync(join(dir, name), join(ARTIFACTS, name));
      t.diagnostic(`screenshots in ${ARTIFACTS}`);
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the report opens on the answer: overhead and summary, then warnings, then environment', () => {
  const withWarnings = renderHtmlReport({ ...fixture, warnings: ['a warning'] });
  const at = (id: string) => withWarnings.indexOf(`<section id="${id}"`);
  const order = ['overhead', 'summary', 'warnings', 'environment', 'workloads', 'run-order'];
  for (const id of order) assert.ok(at(id) > 0, `section ${id}`);
  assert.deepEqual(
    [...order].sort((a, b) => at(a) - at(b)),
    order,
  );
});

test('warnings: one line per kind, per-cell warnings of one kind grouped with their cells', () => {
  const lines = warningLines([
    'pio-out / c-loop: MISMATCH: KVM counted 0 io_exits, the harness ran 30997 round trips',
    'pio-out / napi: MISMATCH: KVM counted 0 io_exits, the harness ran 27601 round trips',
    'hlt / koffi: MISMATCH: KVM counted 0 io_exits, the harness ran 27601 round trips',
    'KVM here runs through PVM (no hardware virtualisation): exit costs include PVM world switches',
  ]);
  assert.deepEqual(lines, [
    {
      text: 'MISMATCH: KVM counted … io_exits, the harness ran … round trips',
      cells: ['pio-out / c-loop', 'pio-out / napi', 'hlt / koffi'],
    },
    {
      text: 'KVM here runs through PVM (no hardware virtualisation): exit costs include PVM world switches',
      cells: [],
    },
  ]);
  const page = renderHtmlReport({
    ...fixture,
    warnings: ['pio-out / napi: noisy (CV 12 %)', 'hlt / napi: noisy (CV 12 %)'],
  });
  assert.match(
    page,
    /<h2>Warnings <span class="count">1<\/span><\/h2><ul><li title="[^"]*">noisy \(CV 12 %\) \(2 cells: pio-out \/ napi, hlt \/ napi\)<\/li><\/ul>/,
  );
});

test('summary table: a column empty in every row is left out', () => {
  const head = (page: string) => /<table class="summary"><thead><tr>(.*?)<\/tr><\/thead>/.exec(page)?.[1] ?? '';
  assert.match(head(report), /<th scope="col">cycles<\/th>/);
  assert.match(head(report), /<th scope="col">exit count<\/th>/);
  const bare: Results = {
    ...fixture,
    measurements: fixture.measurements.map(({ medianCycles: _cycles, exitCountCheck: _check, ...cell }) => cell),
  };
  const page = renderHtmlReport(bare);
  assert.doesNotMatch(head(page), /cycles|exit count/);
  // A failed cell's error spans the columns after workload, binding and status: 9 of the 12 left.
  const failed = /<td class="error" colspan="(\d+)">/.exec(page);
  assert.equal(failed?.[1], '9');
});
