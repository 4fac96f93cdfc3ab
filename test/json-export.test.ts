/** results.json: per-sample arrays on one line and rounded below the clock's resolution; nothing else changes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resultsJson } from '../src/report/json.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

test('sample arrays are compact and rounded, everything else is JSON.stringify with indentation', () => {
  const results = makeFixtureResults();
  const measurement = results.measurements[0];
  assert.ok(measurement);
  measurement.samples = [7563.123456789, 7000.004999];
  measurement.sampleRounds = [0, 1];
  measurement.sampleTimesMs = [12.3456789, 13.0000004];
  const text = resultsJson(results);
  assert.match(text, /"samples": \[7563\.12,7000\]/);
  assert.match(text, /"sampleTimesMs": \[12\.346,13\]/);
  assert.match(text, /"sampleRounds": \[0,1\]/);
  const back = JSON.parse(text);
  const { measurements: _a, ...rest } = back;
  const { measurements: _b, ...expected } = JSON.parse(JSON.stringify(results));
  assert.deepEqual(rest, expected);
  assert.equal(back.measurements[0].workload, measurement.workload);
});
