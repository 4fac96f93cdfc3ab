/**
 * The cost of one write completed in the kernel (ioeventfd, coalesced zone), from pairs of turns of
 * the completion workload and its base workload (pio-out) in the same rounds, and the VMM design table
 * the reports show from it. Pure: constructed cells.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type MeasuredCell, measurementsOf } from '../src/bench/analyze.js';
import { hereCell } from '../src/bench/plan.js';
import { type Workload, WRITES_PER_EXIT, workloadCatalogue } from '../src/bench/workloads.js';
import type { BindingName } from '../src/bindings/types.js';
import { renderHtmlReport } from '../src/report/html.js';
import { renderResultsMarkdown } from '../src/report/markdown.js';
import { terminalTable } from '../src/report/terminal.js';
import { vmmDesignRows } from '../src/report/vmm-design.js';
import type { Results } from '../src/results/types.js';
import { Mulberry32 } from '../src/stats/estimates.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const workload = (name: string) => workloadCatalogue().find((w) => w.name === name) as Workload;

/** A cell of 12 rounds x 5 samples around `ns` per iteration, with a shift per round shared by all cells. */
function cell(name: string, binding: BindingName, ns: number, roundShift: (round: number) => number, seed: number) {
  const random = new Mulberry32(seed);
  const samples: number[] = [];
  const rounds: number[] = [];
  for (let round = 0; round < 12; round++) {
    for (let i = 0; i < 5; i++) {
      samples.push(ns * roundShift(round) * (1 + 0.01 * (random.next() - 0.5)));
      rounds.push(round);
    }
  }
  const measured: MeasuredCell = {
    cell: hereCell({ index: 0, workload: workload(name), binding, guest: undefined }),
    iterationsPerSample: 100,
    samples: { samples, sampleRounds: rounds, sampleTimesMs: samples.map((_, i) => i) },
    iterations: 100 * samples.length,
    interruptedRuns: 0,
  };
  return measured;
}

describe('completed writes', () => {
  // The host's speed moves every cell of a round alike (+-20 %): pairing by round takes it out.
  const shift = (round: number) => 1 + 0.2 * Math.sin(round);

  test('a write costs (iteration - base iteration) / writes, paired by round, with an interval around it', () => {
    const perWrite = 150;
    const cells = [
      cell('pio-out', 'napi', 4000, shift, 1),
      cell('ioeventfd-pio', 'napi', 4000 + WRITES_PER_EXIT * perWrite, shift, 2),
      cell('coalesced-mmio', 'napi', 4000 + WRITES_PER_EXIT * perWrite * 2, shift, 3),
    ];
    const [, ioeventfd, coalesced] = measurementsOf(cells, undefined, undefined);
    const write = ioeventfd?.completedWrite;
    assert.ok(write, 'ioeventfd-pio has a cost per write');
    assert.equal(write.writesPerIteration, WRITES_PER_EXIT);
    assert.equal(write.baseWorkload, 'pio-out');
    assert.equal(write.userspaceExitWorkload, 'pio-out');
    assert.equal(write.pairs, 12);
    // Within a 20 % host shift the paired estimate stays within the shift of one write's cost.
    assert.ok(Math.abs(write.nsPerWrite - perWrite) < 0.25 * perWrite, `${write.nsPerWrite} ns per write`);
    assert.ok(write.nsPerWriteCi95[0] <= write.nsPerWrite && write.nsPerWrite <= write.nsPerWriteCi95[1]);
    assert.equal(coalesced?.completedWrite?.userspaceExitWorkload, 'mmio-write');
    const kinds = measurementsOf(
      ['pio-out', 'ioeventfd-pio-datamatch', 'ioeventfd-mmio-any-length', 'coalesced-pio'].map((name, i) =>
        cell(name, 'napi', 4000 + i * 800, shift, 10 + i),
      ),
      undefined,
      undefined,
    ).map((m) => m.completedWrite?.completion);
    assert.deepEqual(kinds, [undefined, 'ioeventfd-datamatch', 'ioeventfd-any-length', 'coalesced']);
  });

  test('no cost per write without the base workload through the same binding', () => {
    const cells = [cell('pio-out', 'koffi', 4000, shift, 1), cell('ioeventfd-pio', 'napi', 5200, shift, 2)];
    const [, ioeventfd] = measurementsOf(cells, undefined, undefined);
    assert.equal(ioeventfd?.completedWrite, undefined);
    assert.equal(measurementsOf(cells, undefined, undefined)[0]?.completedWrite, undefined);
  });
});

describe('the VMM design table', () => {
  const shift = () => 1;
  const cells = [
    cell('pio-out', 'napi', 4000, shift, 1),
    cell('mmio-write', 'napi', 6000, shift, 4),
    cell('ioeventfd-pio', 'napi', 4000 + WRITES_PER_EXIT * 250, shift, 2),
    cell('coalesced-mmio', 'napi', 4000 + WRITES_PER_EXIT * 100, shift, 3),
  ];
  const results = (): Results => ({
    ...makeFixtureResults(),
    measurements: measurementsOf(cells, undefined, undefined),
  });

  test('rows: the exits to userspace, then each completed write with its cost over the exit', () => {
    const rows = vmmDesignRows(results());
    assert.deepEqual(
      rows.map((row) => row.source),
      ['pio-out', 'mmio-write', 'ioeventfd-pio', 'coalesced-mmio'],
    );
    const [pio, , ioeventfd, coalesced] = rows;
    assert.ok(pio && ioeventfd && coalesced);
    assert.deepEqual([ioeventfd.write, ioeventfd.handled], ['OUT', 'ioeventfd']);
    assert.deepEqual([coalesced.write, coalesced.handled], ['MMIO', 'coalesced ring']);
    assert.ok(Math.abs((ioeventfd.versusExit ?? 0) - 250 / 4000) < 0.01, `${ioeventfd.versusExit}`);
    // The coalesced MMIO write is set beside the MMIO exit, not the OUT.
    assert.ok(Math.abs((coalesced.versusExit ?? 0) - 100 / 6000) < 0.005, `${coalesced.versusExit}`);
    assert.equal(pio.versusExit, undefined);
  });

  test('an irqfd round trip is a row of its binding, against the plain OUT exit', () => {
    const withIrq = measurementsOf(
      [cell('pio-out', 'koffi', 4000, shift, 1), cell('irqfd', 'koffi', 6000, shift, 5)],
      undefined,
      undefined,
    );
    const rows = vmmDesignRows({ ...makeFixtureResults(), measurements: withIrq });
    assert.deepEqual(
      rows.map((row) => [row.source, row.handled]),
      [
        ['pio-out', 'userspace exit'],
        ['irqfd', 'irqfd, handler'],
      ],
    );
    assert.ok(Math.abs((rows[1]?.versusExit ?? 0) - 1.5) < 0.05, `${rows[1]?.versusExit}`);
  });

  test('terminal, Markdown and HTML each show it; a run without completed writes shows none', () => {
    assert.match(terminalTable(results(), 1000), /VMM design: what a guest write costs/);
    assert.match(renderResultsMarkdown(results()), /### VMM design[\s\S]*\| napi \| MMIO \| coalesced ring \|/);
    const page = renderHtmlReport(results());
    assert.match(page, /<section id="vmm-design"/);
    assert.match(page, /href="#vmm-design"/);
    const plain = makeFixtureResults();
    assert.doesNotMatch(terminalTable(plain, 1000), /VMM design/);
    assert.doesNotMatch(renderHtmlReport(plain), /id="vmm-design"/);
  });
});
