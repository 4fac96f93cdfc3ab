/**
 * The rules across runs, on runs recorded on the PVM host: each part of every cell's median split
 * within 10 % (compareSplits), and the floor's turnaround below every other binding's (floorNotLowest).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExitSplit } from '../src/results/trace.js';
import { compareSplits, floorNotLowest } from '../src/trace/stability.js';
import { cellOf, type RecordedRun, run, threeRuns } from './helpers/ftrace-fixtures.js';

describe('across runs: the stability rule and the floor', () => {
  it('three recorded runs of pio-out,hlt: each part of every cell within 10 %', () => {
    const rows = compareSplits(threeRuns.map((r) => r.measurements));
    assert.equal(rows.length, 8);
    for (const row of rows) assert.ok(row.within, `${row.workload}/${row.binding}: ${JSON.stringify(row)}`);
  });

  it('a run whose c-loop turnaround is 20 % higher breaks the rule for that cell only', () => {
    const changed: RecordedRun = JSON.parse(JSON.stringify(threeRuns[1]));
    const cLoop = cellOf(changed, 'pio-out', 'c-loop').trace?.split as ExitSplit;
    cLoop.userspaceTurnaroundNs *= 1.2;
    const rows = compareSplits([threeRuns[0] as RecordedRun, changed].map((r) => r.measurements));
    assert.deepEqual(
      rows
        .filter((row) => !row.within)
        .map((row) => [row.workload, row.binding, row.inKvmRun.within, row.turnaround.within]),
      [['pio-out', 'c-loop', true, false]],
    );
  });

  it("the floor's turnaround is below every other binding's in every recorded run", () => {
    for (const r of [run, ...threeRuns]) assert.deepEqual(floorNotLowest(r.measurements, r.floor), []);
    const swapped: RecordedRun = JSON.parse(JSON.stringify(run));
    (cellOf(swapped, 'hlt', 'c-loop').trace?.split as ExitSplit).userspaceTurnaroundNs = 10_000;
    assert.equal(floorNotLowest(swapped.measurements, 'c-loop').length, 3);
  });
});
