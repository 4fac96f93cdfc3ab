/** The comparison as a plain-text table for a terminal or a CI log. */

import { colourFor } from '../format/colour.js';
import {
  absoluteBeside,
  basisLabel,
  cellName,
  describeHostDifference,
  methodDescription,
  summaryLine,
} from '../format/comparison.js';
import { renderTable } from '../format/table.js';
import { formatChange, formatChangeInterval, formatNs, formatPValue } from '../format/units.js';
import { terminalWidth, wrapText } from '../format/wrap.js';
import { type Comparison, orderByEffect, type RunReference } from '../results/comparison.js';

/** Names come from files: control characters would let one rewrite the terminal (escape sequences). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

const runLine = (role: string, run: RunReference): string =>
  `${role.padEnd(9)} ${printable(run.id)}  started ${printable(run.startedAt)}` +
  `${run.status === 'incomplete' ? '  (interrupted)' : ''}${run.source ? `  ${printable(run.source)}` : ''}`;

/** Least needed first: what goes when the terminal is narrow (the verdict and its change stay). */
const COMPARE_DROP = [7, 8, 10, 4, 2];

const VERDICT_COLUMN = 9;

export function renderTerminal(comparison: Comparison, width = terminalWidth(), colour = colourFor()): string {
  // Several runs a side (the paired design): every pooled run, in the order given.
  const lines = [
    ...(comparison.baselineRuns ?? [comparison.baseline]).flatMap((run) =>
      wrapText(runLine('baseline', run), width, 10),
    ),
    ...(comparison.currentRuns ?? [comparison.current]).flatMap((run) => wrapText(runLine('current', run), width, 10)),
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
    const verdicts = orderByEffect(comparison.cells).map((cell) => cell.verdict);
    lines.push(
      ...renderTable(
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
        {
          align: ['left', 'left', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'left', 'right'],
          width,
          drop: COMPARE_DROP,
          style: (row, column, text) =>
            column !== VERDICT_COLUMN || row < 0
              ? text
              : verdicts[row] === 'regressed'
                ? colour('red', text)
                : verdicts[row] === 'improved'
                  ? colour('green', text)
                  : verdicts[row] === 'inconclusive'
                    ? colour('yellow', text)
                    : text,
        },
      ),
      '',
    );
  }
  const list = (title: string, items: readonly string[]): void => {
    if (items.length > 0) {
      lines.push(`${title}:`, ...items.flatMap((item) => wrapText(`  ${printable(item)}`, width, 4)), '');
    }
  };
  list('added (only in the current run)', comparison.added.map(cellName));
  list('removed (only in the baseline)', comparison.removed.map(cellName));
  list(
    'not compared',
    comparison.notCompared.map((cell) => `${cellName(cell)}: ${cell.reason}`),
  );
  list('host differences', comparison.hostDifferences.map(describeHostDifference));
  list('warnings', comparison.warnings);
  lines.push(
    ...wrapText(`method: ${methodDescription(comparison)}`, width),
    '',
    ...wrapText(`result: ${summaryLine(comparison)}`, width),
  );
  return `${lines.join('\n')}\n`;
}
