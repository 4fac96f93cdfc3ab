/**
 * The JIT warm-up lowers V8's optimization budget while it runs and puts V8's default back. The
 * flag and its default come from this Node's own `--v8-options`, so the parser is checked on the
 * text of both V8 generations kvmbench supports and on the Node running the tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import {
  parseTierUpBudget,
  parseTierUpEnv,
  tierUpBudget,
  tierUpEnvValue,
  userSetBudget,
  withFasterTierUp,
} from '../src/bench/jit-tier-up.js';

// As `node --v8-options` prints them (Node 20.20, V8 11.3; Node 22.23, V8 12.4).
const NODE_20 = `  --interrupt-budget-for-feedback-allocation (The fixed interrupt budget (in bytecode size) for allocating feedback vectors)
        type: int  default: --interrupt-budget-for-feedback-allocation=940
  --interrupt-budget (interrupt budget which should be used for the profiler counter)
        type: int  default: --interrupt-budget=67584
`;
const NODE_22 = `  --invocation-count-for-maglev (invocation count required for optimizing with Maglev)
        type: int  default: --invocation-count-for-maglev=400
  --invocation-count-for-turbofan (invocation count required for optimizing with TurboFan)
        type: int  default: --invocation-count-for-turbofan=3000
  --interrupt-budget-for-maglev (interrupt budget which should be used for the profiler counter)
        type: int  default: --interrupt-budget-for-maglev=30720
`;

describe("V8's optimization budget during the JIT warm-up", () => {
  test('finds the flag each V8 generation uses, and its default, lowered 8x', () => {
    assert.deepEqual(parseTierUpBudget(NODE_20), {
      flag: 'interrupt-budget',
      defaultValue: 67584,
      warmupValue: 8448,
    });
    assert.deepEqual(parseTierUpBudget(NODE_22), {
      flag: 'invocation-count-for-turbofan',
      defaultValue: 3000,
      warmupValue: 375,
    });
  });

  test('a V8 with neither flag, or a default too small to lower, is left alone', () => {
    assert.equal(parseTierUpBudget('  --jitless (Disable runtime allocation of executable memory.)\n'), null);
    assert.equal(parseTierUpBudget('        type: int  default: --interrupt-budget=4\n'), null);
  });

  test('a budget the user started Node with is theirs', () => {
    assert.ok(userSetBudget(['--interrupt-budget=1000']));
    assert.ok(userSetBudget(['--interrupt_budget=1000']));
    assert.ok(userSetBudget(['--invocation-count-for-turbofan=10']));
    assert.ok(!userSetBudget(['--max-old-space-size=100', '--perf-basic-prof']));
    assert.ok(!userSetBudget(['--interrupt-budget-for-maglev=500']), 'another flag with the same start');
  });

  test('a --processes parent hands its answer to the children, and they read it back', () => {
    const budget = parseTierUpBudget(NODE_22);
    assert.deepEqual(parseTierUpEnv(tierUpEnvValue(budget)), budget);
    assert.equal(parseTierUpEnv(tierUpEnvValue(null)), null);
    // Anything else is not an answer: the child asks V8 itself.
    for (const value of ['', 'interrupt-budget', 'no-such-flag=3000', 'interrupt-budget=x']) {
      assert.equal(parseTierUpEnv(value), undefined, value);
    }
  });

  test('this Node has one, and V8 accepts both values at run time', async () => {
    const budget = await tierUpBudget();
    assert.ok(budget, `node ${process.version} prints a budget flag in --v8-options`);
    // V8 names a flag it does not know on stderr; run in a child so this process's V8 stays as it is.
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const v8 = require('node:v8');
         v8.setFlagsFromString('--${budget.flag}=${budget.warmupValue}');
         v8.setFlagsFromString('--${budget.flag}=${budget.defaultValue}');`,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.doesNotMatch(child.stderr, /unrecognized flag|unknown flag/i);
  });

  test("the body's value and its error pass through; with no budget V8 is not touched", async () => {
    const budget = await tierUpBudget();
    assert.equal(await withFasterTierUp(budget, async () => 42), 42);
    await assert.rejects(
      withFasterTierUp(budget, async () => {
        throw new Error('guest fault');
      }),
      /guest fault/,
    );
    assert.equal(await withFasterTierUp(null, async () => 'untouched'), 'untouched');
  });
});
