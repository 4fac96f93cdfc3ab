/** How a finished run maps to its exit code (README "Exit codes"), on the shared fixture results. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXIT, runExitCode } from '../src/cli/exit-codes.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const withFailure = makeFixtureResults();
const allOk = { ...withFailure, measurements: withFailure.measurements.filter((m) => m.status === 'ok') };

test('a run where every benchmark passed exits 0', () => {
  assert.equal(runExitCode(allOk, undefined, false), EXIT.ok);
});

test('a failed benchmark makes the run exit 1, after its results are written', () => {
  assert.ok(withFailure.measurements.some((m) => m.status === 'failed'));
  assert.equal(runExitCode(withFailure, undefined, false), EXIT.failure);
});

test('tracing that failed after the measured rounds makes the run exit 1', () => {
  assert.equal(runExitCode(allOk, undefined, true), EXIT.failure);
});

test('a vCPU threading design that failed makes the run exit 1; one skipped (what it needs is missing) does not', () => {
  const design = {
    design: 'worker-vcpu',
    binding: 'napi',
    needs: 'napi',
    turns: [],
    exits: 0,
    checked: 0,
    eintr: 0,
    threadHops: 0,
  };
  const section = (status: 'failed' | 'skipped') => ({
    ...allOk,
    vmmDesigns: {
      guest: 'pio-out',
      baseline: 'sync',
      rounds: 1,
      turnMs: 7,
      designs: [{ ...design, status, error: 'x' }],
    },
  });
  assert.equal(runExitCode(section('failed'), undefined, false), EXIT.failure);
  assert.equal(runExitCode(section('skipped'), undefined, false), EXIT.ok);
});

test('a signal wins: 130 for SIGINT, 143 for SIGTERM, even when the rounds had finished', () => {
  const incomplete = { ...withFailure, run: { ...withFailure.run, status: 'incomplete' as const } };
  assert.equal(runExitCode(incomplete, 'SIGINT', false), EXIT.interrupted);
  assert.equal(runExitCode(incomplete, 'SIGTERM', false), EXIT.terminated);
  assert.equal(runExitCode(allOk, 'SIGINT', true), EXIT.interrupted);
});
