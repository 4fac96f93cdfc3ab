import { fitToWidth, terminalWidth } from '../format/wrap.js';
import { terminalSafe } from '../util/terminal-safe.js';

/** Where a command writes its report and its messages; tests pass their own. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processOutput: CommandOutput = {
  // Run ids, names and warnings come from files: nothing in them may drive the terminal.
  stdout: (text) => process.stdout.write(terminalSafe(text)),
  // Messages wrap to the terminal; stdout (tables, Markdown, JSON) is laid out by what renders it.
  stderr: (text) => process.stderr.write(fitToWidth(terminalSafe(text), terminalWidth(process.stderr))),
};
