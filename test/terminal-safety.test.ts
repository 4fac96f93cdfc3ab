/**
 * Strings read from a results file (run id, workload names, warnings) cannot drive the terminal:
 * whatever compare and report print, on stdout and stderr, carries no raw control character.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { kvmbench } from './helpers/cli.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-terminal-safety-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Red text, a window title (OSC), a bell, clear screen, a carriage return and a bidi override.
const EVIL = '\u001b[31mRED\u001b]0;pwned\u0007\u001b[2J\roverwritten\u202egnp.exe';
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

const baseline = join(scratch, 'baseline.json');
const crafted = join(scratch, 'results.json');
const results = makeFixtureResults();
writeFileSync(baseline, JSON.stringify(results));
const evil = structuredClone(results);
evil.run.id = `run${EVIL}`;
for (const m of evil.measurements) if (m.workload === 'pio-out') m.workload = `pio-out${EVIL}`;
for (const w of evil.workloads) if (w.name === 'pio-out') w.name = `pio-out${EVIL}`;
evil.warnings.push(`crafted warning${EVIL}`);
writeFileSync(crafted, JSON.stringify(evil));

const commands: [string, string[]][] = [
  ['compare (table)', ['compare', baseline, crafted]],
  ['compare --format markdown', ['compare', baseline, crafted, '--format', 'markdown']],
  ['compare --format json', ['compare', baseline, crafted, '--format', 'json']],
  ['compare, crafted file as baseline', ['compare', crafted, baseline]],
  ['report --baseline', ['report', crafted, '--baseline', baseline, '--out', join(scratch, 'r.html'), '--force']],
];
for (const [what, args] of commands) {
  test(`${what}: no raw control character from the file reaches the terminal`, () => {
    const result = kvmbench(args);
    assert.ok(result.status === 0 || result.status === 1, result.stderr);
    assert.doesNotMatch(result.stdout, RAW_CONTROL, 'stdout');
    assert.doesNotMatch(result.stderr, RAW_CONTROL, 'stderr');
    assert.match(result.stdout + result.stderr, /\\x1b|\?\[31m|\\u001b/, 'the escape is shown, not hidden');
  });
}
