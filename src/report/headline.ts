/**
 * The answer to a run in a few sentences: what an exit and a lifecycle cost through each binding
 * over the floor, with intervals, and which cells failed or are suspect. The terminal prints it last
 * (the lines a newcomer reads), the HTML report opens on it.
 */
import { formatNs, formatNsInterval, formatNsSigned } from '../format/units.js';
import { isFloorRow, splitRow } from '../results/rows.js';
import { hasStatistics, type Measurement, type Results } from '../results/types.js';
import { runtimeMatrices } from './runtime-matrix.js';

/** The exit workload the first sentence is about: the plainest exit there is, when it was measured. */
const EXIT_PREFERENCE = ['pio-out', 'hlt', 'pio-in', 'mmio-write', 'mmio-read'];

function sentenceFor(results: Results, workload: string, floor: string): string | undefined {
  // kvmbench's own Node's rows; other runtimes have their matrix.
  const cells = results.measurements.filter((m) => m.workload === workload && splitRow(m.binding).runtime === 'node');
  const floorCell = cells.find((m) => isFloorRow(m.binding, floor) && hasStatistics(m));
  const others = cells.filter((m) => !isFloorRow(m.binding, floor) && m.overheadVsFloor && hasStatistics(m));
  if (!floorCell?.stats || others.length === 0) return undefined;
  const parts = others.map((m) => {
    const o = m.overheadVsFloor as NonNullable<Measurement['overheadVsFloor']>;
    return `${m.binding} ${formatNsSigned(o.differenceNs)} (${formatNsInterval(o.differenceCi95[0], o.differenceCi95[1], { signed: true })})`;
  });
  // A number and its unit stay on one line when the sentence wraps (a no-break space between them).
  return `${workload}: ${floor} ${formatNs(floorCell.stats.median)}; over it ${parts.join(', ')}.`.replace(
    / (ns|µs|ms)\b/g,
    '\u00a0$1',
  );
}

/** A few sentences: an exit, a lifecycle, the cheapest path across runtimes, the cells that did not measure cleanly. */
export function headlineSentences(results: Results): string[] {
  const floor = results.floor ?? 'c-loop';
  const measured = new Set(results.measurements.map((m) => m.workload));
  const exitWorkload =
    EXIT_PREFERENCE.find((name) => measured.has(name)) ??
    results.workloads.find((w) => w.kind === 'exit' && measured.has(w.name))?.name;
  const sentences = [
    ...(exitWorkload ? [sentenceFor(results, exitWorkload, floor)] : []),
    ...(measured.has('lifecycle') ? [sentenceFor(results, 'lifecycle', floor)] : []),
  ].filter((sentence): sentence is string => sentence !== undefined);
  // --runtimes: the sentences are about kvmbench's own Node; the matrix has the rest.
  const matrix = exitWorkload ? runtimeMatrices(results).find((m) => m.workload === exitWorkload) : undefined;
  if (matrix?.cheapest?.median !== undefined) {
    sentences.push(
      `Across ${matrix.runtimes.length} runtimes the cheapest JS path for ${exitWorkload} is ${matrix.cheapest.row} (${formatNs(matrix.cheapest.median)}; the matrix above has every runtime).`,
    );
  }
  const bad = results.measurements.filter((m) => m.status === 'failed' || m.status === 'suspect');
  const skipped = results.measurements.filter((m) => m.status === 'skipped').length;
  const measuredCells = results.measurements.length - skipped;
  const skippedNote = skipped ? ` (${skipped} skipped: see the warnings)` : '';
  const named = bad
    .slice(0, 2)
    .map((m) => `${m.workload} / ${m.binding} ${m.status}`)
    .join(', ');
  sentences.push(
    bad.length === 0
      ? `All ${measuredCells} cells measured, every exit checked${results.run.status === 'complete' ? '' : ' (the run was interrupted)'}${skippedNote}.`
      : `${bad.length} of ${measuredCells} cells did not measure cleanly: ${named}${bad.length > 2 ? ` and ${bad.length - 2} more` : ''} (above)${skippedNote}.`,
  );
  return sentences;
}
