/**
 * The HTML report of a real run in headless Chromium at 1400 px: the summary table fits without
 * sideways scrolling. Its screenshot is kept in results/ci-artifacts/ (gitignored) for CI to show.
 * Also checks that the browser helper does see console errors, exceptions and requests, since the
 * other browser tests rely on it to prove a report loads cleanly.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, pngSize, skipBrowser } from './helpers/chromium.js';
import { kvmbenchAsync, runFolders } from './helpers/cli.js';
import { kvmSkip } from './helpers/kvm.js';

const ARTIFACTS = fileURLToPath(new URL('../../results/ci-artifacts/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-report-browser-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface TableFit {
  found: boolean;
  scrollWidth: number;
  clientWidth: number;
  columns: number;
}

/** The summary table's scroll container: does its content fit its width? */
const TABLE_FIT = `JSON.stringify((() => {
  const table = document.querySelector('#summary table');
  if (!table) return { found: false, scrollWidth: 0, clientWidth: 0, columns: 0 };
  const box = table.closest('.table-scroll') ?? table.parentElement;
  return { found: true, scrollWidth: box.scrollWidth, clientWidth: box.clientWidth,
           columns: table.querySelector('thead tr')?.children.length ?? 0 };
})())`;

test('browser: at 1400 px the summary table of a real run fits without scrolling sideways', {
  skip: skipBrowser || kvmSkip,
  timeout: 120_000,
}, async (t) => {
  // Every binding, and the workloads with the longest names: the widest rows a run has.
  const out = join(scratch, 'runs');
  const run = await kvmbenchAsync(
    ['run', '--quick', '--rounds', '1', '--workloads', 'pio-out-protected,cpuid-then-pio,lifecycle', '--out', out],
    { timeoutMs: 90_000 },
  );
  assert.ok(run.status === 0 || run.status === 1, `kvmbench run exited ${run.status}: ${run.stderr}`);
  const [folder] = runFolders(out);
  assert.ok(folder, 'the run wrote its folder');

  const browser = await launchChromium();
  try {
    const page = await browser.openPage();
    await page.setViewport(1400, 900);
    await page.open(join(out, folder, 'report.html'));
    const fit = await page.evaluate<TableFit>(TABLE_FIT, 'summary table measured');
    assert.ok(fit.found, 'the report has a summary table (#summary table)');
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = await page.screenshot(join(ARTIFACTS, 'report-1400.png'), { element: 'summary' });
    assert.ok(pngSize(png).height > 100, 'the summary section is drawn');
    t.diagnostic(`screenshot in ${join(ARTIFACTS, 'report-1400.png')}`);
    assert.ok(
      fit.scrollWidth <= fit.clientWidth,
      `the summary table (${fit.columns} columns) is ${fit.scrollWidth} px wide in a ${fit.clientWidth} px box`,
    );
  } finally {
    await browser.close();
  }
});

test('browser helper: sees console errors, uncaught exceptions, CSP violations and requests', {
  skip: skipBrowser,
  timeout: 60_000,
}, async () => {
  const path = join(scratch, 'noisy.html');
  writeFileSync(
    path,
    `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'">
<img src="https://example.invalid/pixel.png"><script>console.error('logged'); throw new Error('thrown');</script>`,
  );
  const browser = await launchChromium();
  try {
    const page = await browser.openPage();
    await page.open(path);
    const { errors, requests } = browser.problems();
    assert.ok(
      errors.some((e) => e.includes('logged')),
      `console.error seen: ${errors.join(' | ')}`,
    );
    assert.ok(
      errors.some((e) => e.includes('thrown')),
      `exception seen: ${errors.join(' | ')}`,
    );
    assert.ok(
      errors.some((e) => /Content Security Policy/i.test(e)),
      `CSP violation seen: ${errors.join(' | ')}`,
    );
    assert.ok(
      requests.some((url) => url.startsWith('file:')),
      `the page request seen: ${requests.join(' ')}`,
    );
  } finally {
    await browser.close();
  }
});
