/** Helpers that several tests share: seeded samples, a results object scaled, a run folder on disk. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement, Results } from '../../src/results/types.js';
import { Mulberry32, summarize } from '../../src/stats/estimates.js';

/** Seeded normal samples (Box-Muller over mulberry32) so every test sees the same data. */
export function normalSamples(n: number, mean: number, sd: number, seed: number): number[] {
  const random = new Mulberry32(seed);
  return Array.from({ length: n }, () => {
    const u1 = 1 - random.next(); // (0, 1], keeps log finite
    const u2 = random.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  });
}

/**
 * The run again (id suffixed with `-${id}`) with every ok cell's samples multiplied by `factor`
 * (or by factor(cell)), statistics recomputed.
 */
export function scaled(results: Results, factor: number | ((cell: Measurement) => number), id = 'scaled'): Results {
  return {
    ...results,
    run: { ...results.run, id: `${results.run.id}-${id}` },
    measurements: results.measurements.map((cell) => {
      if (cell.status !== 'ok') return cell;
      const by = typeof factor === 'number' ? factor : factor(cell);
      const samples = cell.samples.map((sample) => sample * by);
      return { ...cell, samples, stats: summarize(samples, { bootstrapResamples: 200 }) };
    }),
  };
}

/** Writes `content` (results, or raw text) as <dir>/<name>/results.json and returns the run folder. */
export function writeRun(dir: string, name: string, content: Results | string): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'results.json'), typeof content === 'string' ? content : JSON.stringify(content));
  return folder;
}
