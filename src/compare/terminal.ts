/** The comparison as a plain-text table for a terminal or a CI log. */
import {
  absoluteBeside,
  basisLabel,
  cellName,
  describeHostDifference,
  methodDescription,
  summaryLine,
} from '../format/comparison.js';
import { formatChange, formatChangeInterval, formatNs, formatPValue } from '../format/units.js';
import { type Comparison, orderByEffect, type RunReference } from '../results/comparison.js';

/** Names come from files: control characters would let one rewrite the terminal (escape sequences). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

type Align = 'left' | 'right';

function table(header: readonly string[], rows: readonly string[][], align: readonly Align[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return align[column] === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** Breaks a paragraph into lines of at most `width` characters, at spaces. */
function wrap(paragraph: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `  ${word}`;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

const runLine = (role: string, run: RunReference): string =>
  `${role.padEnd(9)} ${printable(run.id)}  started ${printable(run.startedAt)}` +
  `${run.status === 'incomplete' ? '  (interrupted)' : ''}${run.source ? `  ${printable(run.source)}` : ''}`;

export function renderTerminal(comparison: Comparison): string {
  // Several runs a side (the paired design): every pooled run, in the order given.
  const lines = [
    ...(comparison.baselineRuns ?? [comparison.baseline]).map((run) => runLine('baseline', run)),
    ...(comparison.currentRuns ?? [comparison.current]).map((run) => runLine('current', run)),
    '',
  ];
  if (comparison.cells.length > 0) {
    const rows = orderByEffect(comparison.cells).map((cell) => [
      printable(cell.workload),
      printable(cell.binding),
      formatNs(cell.baselineMedianNs),
      formatNs(cell.currentMedianNs),
      basisLabel(cell, comparison.method.floor),
      formatChange(cell.ratio),
      formatChangeInterval(cell.ratioCi95[0], cell.ratioCi95[1]),
      formatPValue(cell.pValueHolm),
      `${cell.thresholdPercent} %`,
      cell.verdict,
      absoluteBeside(cell),
    ]);
    lines.push(
      ...table(
        [
          'workload',
          'binding',
          'baseline',
          'current',
          'verdict on',
          'change',
          '95 % CI',
          'p (Holm)',
          'threshold',
          'verdict',
          'absolute (host-sensitive)',
        ],
        rows,
        ['left', 'left', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'left', 'right'],
      ),
      '',
    );
  }
  const list = (title: string, items: readonly string[]): void => {
    if (items.length > 0) lines.push(`${title}:`, ...items.map((item) => `  ${printable(item)}`), '');
  };
  list('added (only in the current run)', comparison.added.map(cellName));
  list('removed (only in the baseline)', comparison.removed.map(cellName));
  list(
    'not compared',
    comparison.notCompared.map((cell) => `${cellName(cell)}: ${cell.reason}`),
  );
  list('host differences', comparison.hostDifferences.map(describeHostDifference));
  list('warnings', comparison.warnings);
  lines.push(...wrap(`method: ${methodDescription(comparison)}`, 100), '', `result: ${summaryLine(comparison)}`);
  return `${lines.join('\n')}\n`;
}
