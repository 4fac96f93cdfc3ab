/**
 * A measuring child (run --processes, --runtimes) gets its RunOptions as data: every field of the
 * plan reaches it, what differs per child is in its request, and a bad request is a clear error.
 * The run options come from one table that covers the schema's `run.options`.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type ChildRequest,
  childRequest,
  readChildReport,
  readChildRequest,
  writeChildReport,
  writeChildRequest,
} from '../src/bench/child-request.js';
import { planRun } from '../src/bench/plan.js';
import { CHILD_OPTIONS_FLAG, measureInProcesses } from '../src/bench/processes.js';
import { UsageError } from '../src/errors.js';
import { planRunOptions, RUN_OPTIONS } from '../src/pipeline/run-options.js';
import { validateRunOptions } from '../src/results/read.js';
import type { RunOptions } from '../src/results/types.js';
import type { Runtime, RuntimeName } from '../src/runtimes/discover.js';
import { EXIT } from '../src/util/exit-codes.js';
import { kvmbench } from './helpers/cli.js';

/**
 * Every field of RunOptions set (Required: a new field is a compile error here until it is given a
 * value, so this test covers it).
 */
const EVERY_FIELD: Required<RunOptions> = {
  workloads: ['pio-out', 'hlt'],
  bindings: ['c-loop', 'napi', 'koffi'],
  rounds: 7,
  timePerRoundMs: 11,
  warmupMs: 13,
  jitWarmupMaxMs: 17,
  quick: true,
  pin: 1,
  cpuidK: 5,
  trace: 'ftrace',
  processes: 3,
  runtimes: ['node', 'bun'],
  sweep: 'memory',
  peers: ['qemu'],
  injectDelayNs: { napi: 2000, koffi: 500 },
  vmmDesigns: ['sync', 'koffi-async'],
};

/** What planRun takes of it: a sweep's and the runtimes' cells are planned elsewhere. */
const { sweep: _sweep, runtimes: _runtimes, ...plannable } = EVERY_FIELD;

const withScratch = (body: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-child-request-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe("a child's request", () => {
  test('carries every RunOptions field of the plan; only its bindings, their delays, one process and no runtimes differ', () => {
    const plan = planRun(plannable);
    const options = { ...EVERY_FIELD };
    const request = childRequest({ ...plan, options }, '/dev/kvm-test', '/tmp/x/0', ['c-loop', 'napi']);
    const { runtimes: _inEach, ...rest } = EVERY_FIELD;
    assert.deepEqual(request.options, {
      ...rest,
      bindings: ['c-loop', 'napi'],
      processes: 1,
      injectDelayNs: { napi: 2000 },
    });
    assert.deepEqual(
      Object.keys(request.options).sort(),
      Object.keys(EVERY_FIELD)
        .filter((key) => key !== 'runtimes')
        .sort(),
    );
    assert.equal(request.kvmPath, '/dev/kvm-test');
    assert.equal(request.out, '/tmp/x/0');
    assert.deepEqual(request.formats, ['json']);
  });

  test('a child without delayed bindings gets no injectDelayNs', () => {
    const plan = planRun(plannable);
    assert.equal(childRequest(plan, '/dev/kvm', '/tmp/x/1', ['c-loop']).options.injectDelayNs, undefined);
  });

  test('written and read back, it is the same data, checked against the schema', () => {
    withScratch((dir) => {
      const plan = planRun(planRunOptions({ workloads: 'pio-out', bindings: 'c-loop,napi', trace: 'ftrace' }));
      const request = childRequest(plan, '/dev/kvm', join(dir, '0'));
      writeChildRequest(join(dir, '0.json'), request);
      assert.deepEqual(readChildRequest(join(dir, '0.json')), request);
    });
  });

  test('a bad request is a UsageError naming the file and what is wrong', () => {
    withScratch((dir) => {
      const file = join(dir, 'request.json');
      assert.throws(
        () => readChildRequest(join(dir, 'missing.json')),
        /--options-file .*missing\.json: cannot read it/,
      );
      writeFileSync(file, '{ not json');
      assert.throws(
        () => readChildRequest(file),
        (error) => error instanceof UsageError && /not JSON/.test(error.message),
      );
      writeFileSync(file, JSON.stringify({ options: {} }));
      assert.throws(() => readChildRequest(file), /needs options, kvmPath, out and formats/);
      const good: ChildRequest = {
        options: planRunOptions({ workloads: 'pio-out', bindings: 'c-loop' }),
        kvmPath: '/dev/kvm',
        out: dir,
        formats: ['json'],
      };
      writeFileSync(file, JSON.stringify({ ...good, options: { ...good.options, rounds: 0, colour: 'red' } }));
      assert.throws(
        () => readChildRequest(file),
        (error) =>
          error instanceof UsageError &&
          /request\.json \(options\) does not match/.test(error.message) &&
          /\/rounds: must be >= 1/.test(error.message) &&
          /'colour'/.test(error.message),
      );
    });
  });

  test('`run --options-file` with a bad file exits 2 before touching KVM', () => {
    withScratch((dir) => {
      const file = join(dir, 'request.json');
      writeFileSync(file, '[]');
      const result = kvmbench(['run', CHILD_OPTIONS_FLAG, file]);
      assert.equal(result.status, EXIT.usage, result.stderr);
      assert.match(result.stderr, /is not a measuring child's request/);
      assert.doesNotMatch(kvmbench(['run', '--help']).stdout, /options-file/);
    });
  });

  test("the child's report says why its tracing failed; none says nothing failed", () => {
    withScratch((dir) => {
      assert.deepEqual(readChildReport(dir), {});
      writeChildReport(dir, { traceFailure: '--trace ftrace failed after the measured rounds' });
      assert.deepEqual(readChildReport(dir), { traceFailure: '--trace ftrace failed after the measured rounds' });
    });
  });
});

test('each child process is started with its request file, reads exactly the plan for its runtime, and its report reaches the parent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-fake-children-'));
  try {
    // Fake runtimes: each keeps the request it is handed (`<main> run --options-file <path>`) and
    // exits; bun's also reports that its tracing failed, as a child's report does.
    const fake = (name: RuntimeName, bindings: Runtime['bindings']): Runtime => {
      const executable = join(dir, `fake-${name}`);
      const report = `out="\${4%.json}"; mkdir -p "$out"; echo '{"traceFailure":"no tracefs"}' > "$out/child-report.json"`;
      writeFileSync(
        executable,
        `#!/bin/sh\n[ "$3" = ${CHILD_OPTIONS_FLAG} ] && cp "$4" "${dir}/${name}-$(basename "$4")"\n${name === 'bun' ? report : ''}\n`,
      );
      chmodSync(executable, 0o755);
      return { name, kind: name === 'bun' ? 'bun' : 'node', executable, version: '1.0.0', flags: [], bindings };
    };
    const options: RunOptions = {
      ...planRunOptions({ workloads: 'pio-out,hlt', rounds: '3', injectDelayNs: 'napi=700,bun-ffi=900' }),
      bindings: ['c-loop', 'napi', 'bun-ffi'],
      runtimes: ['node', 'bun'],
    };
    const plan = planRun(options, [fake('node', ['c-loop', 'napi']), fake('bun', ['c-loop', 'bun-ffi'])]);
    const runs = await measureInProcesses({
      plan,
      count: 2,
      kvmPath: '/dev/kvm-fake',
      stopped: () => false,
      signal: () => 'SIGINT',
      tierUp: null,
    });
    assert.deepEqual(
      runs.map((run) => [run.runtime, run.index, run.results]),
      [
        ['node', 0, undefined],
        ['bun', 0, undefined],
        ['node', 1, undefined],
        ['bun', 1, undefined],
      ],
    );
    assert.deepEqual(
      runs.map((run) => run.traceFailure),
      [undefined, 'no tracefs', undefined, 'no tracefs'],
    );
    const kept = readdirSync(dir).filter((file) => file.endsWith('.json'));
    assert.deepEqual(kept.sort(), ['bun-1.json', 'bun-3.json', 'node-0.json', 'node-2.json']);
    const { runtimes: _inEach, injectDelayNs: _delays, ...shared } = options;
    for (const [file, bindings, delays] of [
      ['node-0.json', ['c-loop', 'napi'], { napi: 700 }],
      ['bun-1.json', ['c-loop', 'bun-ffi'], { 'bun-ffi': 900 }],
    ] as const) {
      const request = readChildRequest(join(dir, file));
      assert.deepEqual(request.options, { ...shared, bindings, processes: 1, injectDelayNs: delays });
      assert.equal(request.kvmPath, '/dev/kvm-fake');
      assert.deepEqual(request.formats, ['json']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the run-option table', () => {
  test("sets every field of the schema's run.options, each once", () => {
    const schema = JSON.parse(readFileSync(new URL('../../results.schema.json', import.meta.url), 'utf8')) as {
      definitions: { runOptions: { properties: Record<string, unknown> } };
    };
    const keys = RUN_OPTIONS.flatMap((spec) => (spec.key ? [spec.key] : []));
    assert.deepEqual([...keys].sort(), Object.keys(schema.definitions.runOptions.properties).sort());
    assert.equal(new Set(keys).size, keys.length);
  });

  test('what planning makes is valid run.options', () => {
    for (const flags of [
      {},
      { quick: true },
      { workloads: 'pio-out', bindings: 'c-loop,napi', rounds: '3', pin: '0', injectDelayNs: 'napi=5' },
      { trace: 'perf-stat', peers: 'qemu' },
    ]) {
      validateRunOptions(planRunOptions(flags), JSON.stringify(flags));
    }
  });

  test('--time-per-round says the quick profile it gets', () => {
    const spec = RUN_OPTIONS.find((s) => s.key === 'timePerRoundMs');
    assert.match(spec?.help ?? '', /default: 30; 7 with --quick/);
    assert.equal(planRunOptions({ quick: true }).timePerRoundMs, 7);
  });
});
