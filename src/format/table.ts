/**
 * Plain-text tables that fit the terminal: columns padded to their widest cell, two spaces apart;
 * when the table is wider than `width`, the columns named in `drop` go first (least needed first),
 * then the widest text cells are cut with an ellipsis, and numbers (right-aligned) only after them.
 * Colour, if any, is applied after the layout.
 */

export type Align = 'left' | 'right';

export interface TableOptions {
  align?: readonly Align[];
  /** The widest a line may be. */
  width?: number;
  /** Column indexes to leave out, in this order, while the table is too wide. */
  drop?: readonly number[];
  /** Colours a cell's text (padding stays plain); rows are 0-based, the header is -1. */
  style?: (row: number, column: number, text: string) => string;
}

/**
 * A table already given its width (the terminal's): the caller names its number columns
 * (right-aligned, cut last) and the columns it can do without.
 */
export type FittedTable = (
  header: readonly string[],
  rows: readonly string[][],
  layout?: Pick<TableOptions, 'align' | 'drop'>,
) => string[];

/** `align` for a table whose first `textColumns` columns are text and the rest numbers. */
export const numbersAfter = (textColumns: number, columns: number): Align[] =>
  Array.from({ length: columns }, (_, i) => (i < textColumns ? 'left' : 'right'));

const GAP = 2;
/** No cell is cut below this many characters. */
const MIN_CELL = 6;

const cut = (text: string, width: number): string =>
  text.length <= width ? text : `${text.slice(0, Math.max(1, width - 1))}…`;

export function renderTable(
  header: readonly string[],
  rows: readonly string[][],
  options: TableOptions = {},
): string[] {
  const width = options.width ?? Number.POSITIVE_INFINITY;
  let columns = header.map((_, i) => i);
  const widthOf = (column: number) =>
    Math.max((header[column] ?? '').length, ...rows.map((row) => (row[column] ?? '').length));
  const widths = new Map(columns.map((column) => [column, widthOf(column)]));
  const total = () => columns.reduce((sum, column) => sum + (widths.get(column) ?? 0), 0) + GAP * (columns.length - 1);
  for (const column of options.drop ?? []) {
    if (total() <= width) break;
    columns = columns.filter((kept) => kept !== column);
  }
  // Still too wide: narrow the widest left-aligned (text) column, a character at a time; numbers
  // (right-aligned) only once no text column can give more, since a cut number says nothing.
  const narrowWidest = (alignment: Align): boolean => {
    const candidates = columns.filter((column) => (options.align?.[column] ?? 'left') === alignment);
    const widest = candidates.reduce(
      (a, b) => ((widths.get(b) ?? 0) > (widths.get(a) ?? 0) ? b : a),
      candidates[0] ?? -1,
    );
    if (widest < 0 || (widths.get(widest) ?? 0) <= MIN_CELL) return false;
    widths.set(widest, (widths.get(widest) ?? 0) - 1);
    return true;
  };
  let narrowed = true;
  while (total() > width && narrowed) narrowed = narrowWidest('left') || narrowWidest('right');
  const line = (cells: readonly string[], row: number): string =>
    columns
      .map((column) => {
        const w = widths.get(column) ?? 0;
        const text = cut(cells[column] ?? '', w);
        const shown = options.style ? options.style(row, column, text) : text;
        const padding = ' '.repeat(w - text.length);
        return options.align?.[column] === 'right' ? padding + shown : shown + padding;
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  return [
    line(header, -1),
    columns.map((column) => '-'.repeat(widths.get(column) ?? 0)).join(' '.repeat(GAP)),
    ...rows.map((row, i) => line(row, i)),
  ];
}
