/**
 * One small exporter per output format behind one interface: take the results object, return the
 * files to write. Adding a format is one new file and one line in registry.ts.
 */
import type { Results } from '../results/types.js';

export interface ExportedFile {
  /** File name inside the run folder. */
  name: string;
  content: string;
}

export interface Exporter {
  /** The --format name. */
  readonly format: string;
  readonly description: string;
  export(results: Results): ExportedFile[];
}
