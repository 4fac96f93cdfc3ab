/**
 * A row of results is a binding measured in a runtime. Rows of the Node running kvmbench keep the
 * binding's plain name (`napi`), so runs with and without --runtimes pair up in compare; rows of
 * another runtime carry it as a prefix (`bun:napi`, `node26:node-ffi`). A row's floor is the floor
 * binding measured in the same runtime.
 */

const SEPARATOR = ':';

/** The row name of `binding` measured in `runtime` ('node': the plain name). */
export const rowName = (runtime: string, binding: string): string =>
  runtime === 'node' ? binding : `${runtime}${SEPARATOR}${binding}`;

/** A row name -> its runtime ('node' for a plain name) and binding. */
export function splitRow(row: string): { runtime: string; binding: string } {
  const at = row.indexOf(SEPARATOR);
  return at < 0 ? { runtime: 'node', binding: row } : { runtime: row.slice(0, at), binding: row.slice(at + 1) };
}

/** The floor row the row is measured against: the floor binding in the row's own runtime. */
export const floorRowOf = (row: string, floor: string): string => rowName(splitRow(row).runtime, floor);

/** True if `row` is its runtime's floor. */
export const isFloorRow = (row: string, floor: string): boolean => splitRow(row).binding === floor;
