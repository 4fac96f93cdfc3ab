/**
 * A sweep point is data on the measurement: a new run's cells carry `point`, and a results file
 * written before they did (the point only in the workload's name) reads to the same points, so
 * every exporter reports it the same.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type MeasuredCell, measurementOf } from '../src/bench/analyze.js';
import { planRun } from '../src/bench/plan.js';
import { mergeRuns } from '../src/merge/fleet.js';
import { renderFleetCsv, renderFleetHtml } from '../src/merge/fleet-report.js';
import { csvExporter } from '../src/report/csv.js';
import { renderHtmlReport } from '../src/report/html.js';
import { sweepSeries } from '../src/report/sweeps/summary.js';
import { sweepSummaryLines } from '../src/report/sweeps/terminal.js';
import { loadResultsFile } from '../src/results/read.js';
import { pointName } from '../src/results/sweep-points.js';
import type { Measurement, Results, SweepPoint } from '../src/results/types.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const dir = mkdtempSync(join(tmpdir(), 'kvmbench-sweep-points-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a new run writes the point', () => {
  it('planned sweep cells carry their point, measurements copy it; other workloads have none', () => {
    const plan = planRun({
      workloads: ['vms@2', 'memory@16KiB', 'pio-out'],
      bindings: ['napi'],
      rounds: 1,
      timePerRoundMs: 1,
      warmupMs: 0,
      quick: true,
      cpuidK: 8,
    });
    const measured = plan.cells.map(
      (cell): MeasuredCell => ({
        cell,
        iterationsPerSample: 10,
        samples: { samples: [5000, 5100], sampleRounds: [0, 1], sampleTimesMs: [1, 2] },
        iterations: 20,
        interruptedRuns: 0,
      }),
    );
    const points = measured.map((cell) => measurementOf(cell, undefined, undefined).point);
    assert.deepEqual(points, [{ series: 'vms', size: 2 }, { series: 'memory', size: 16384 }, undefined]);
  });
});

/** The fixture's cells renamed into a VM-count sweep: vms@1..4, one point per fixture workload. */
function sweepResults(): Results {
  const results = makeFixtureResults();
  const sizes = new Map<string, number>();
  results.measurements = results.measurements.map((m): Measurement => {
    const size = sizes.get(m.workload) ?? sizes.size + 1;
    sizes.set(m.workload, size);
    const point: SweepPoint = { series: 'vms', size };
    const { steps: _steps, stepSamples: _stepSamples, ...rest } = m;
    return { ...rest, workload: pointName(point), point };
  });
  results.workloads = results.workloads.map((w) => ({
    ...w,
    name: pointName({ series: 'vms', size: sizes.get(w.name) ?? 0 }),
    kind: 'sweep',
  }));
  return results;
}

/** The same results as a file written before measurements carried their point. */
function nameOnlyFile(results: Results, name: string): string {
  const old = JSON.parse(JSON.stringify(results)) as Results;
  for (const m of old.measurements) delete m.point;
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(old));
  return file;
}

describe('a results file with name-only sweep cells', () => {
  const current = sweepResults();
  const file = nameOnlyFile(current, 'old');
  const old = loadResultsFile(file);

  it('reads to the same points', () => {
    assert.deepEqual(
      old.measurements.map((m) => m.point),
      current.measurements.map((m) => m.point),
    );
    assert.ok(sweepSeries(current).length > 0);
    assert.deepEqual(sweepSeries(old), sweepSeries(current));
  });

  it('reports the same: CSV, terminal summary, HTML sweep section, fleet', () => {
    assert.deepEqual(csvExporter.export(old), csvExporter.export(current));
    assert.deepEqual(sweepSummaryLines(old), sweepSummaryLines(current));
    const section = (page: string) => page.match(/<section id="sweeps">[\s\S]*?<\/section>/)?.[0];
    const oldSection = section(renderHtmlReport(old));
    assert.ok(oldSection?.includes('sweep-chart'));
    assert.equal(oldSection, section(renderHtmlReport(current)));
    const fleetOld = mergeRuns([file]);
    const fleetNew = mergeRuns([nameOnlyFile(current, 'again')]);
    fleetNew.hosts[0]?.runs.splice(0, 1, current);
    assert.equal(renderFleetCsv(fleetOld), renderFleetCsv(fleetNew));
    assert.equal(section(renderFleetHtml(fleetOld)), section(renderFleetHtml(fleetNew)));
    assert.match(renderFleetCsv(fleetOld), /,vms@2,napi,.*,2\n/);
  });
});
