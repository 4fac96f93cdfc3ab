/** results.json: the whole results object, the input of compare, the CI exports and the HTML report. */
import type { Results } from '../results/types.js';
import type { Exporter } from './exporter.js';

/**
 * Per-sample arrays, written on one line each and rounded below what was measured: a sample is a
 * mean over >= 0.5 ms of a clock with 1 ns resolution (0.01 ns kept), a timestamp needs no more
 * than a microsecond. Indenting 60,000 numbers one per line tripled the file.
 */
const SAMPLE_ARRAYS: Record<string, number> = { samples: 100, sampleTimesMs: 1000, stepSamples: 100 };

function round(values: unknown, scale: number): unknown {
  if (!Array.isArray(values)) return values;
  return values.map((value) => (typeof value === 'number' ? Math.round(value * scale) / scale : round(value, scale)));
}

export function resultsJson(results: Results): string {
  const compact: string[] = [];
  const text = JSON.stringify(
    results,
    (key, value) => {
      const scale = SAMPLE_ARRAYS[key];
      const isSampleArray = scale !== undefined || key === 'sampleRounds' || key === 'sampleProcesses';
      if (!isSampleArray || !Array.isArray(value)) return value;
      compact.push(JSON.stringify(scale === undefined ? value : round(value, scale)));
      return `\u0000${compact.length - 1}`;
    },
    2,
  );
  return `${text.replace(/"\\u0000(\d+)"/g, (_, index: string) => compact[Number(index)] as string)}\n`;
}

export const jsonExporter: Exporter = {
  format: 'json',
  description: 'results.json: everything measured, in the versioned schema (results.schema.json)',
  export: (results) => [{ name: 'results.json', content: resultsJson(results) }],
};
