import { terminalSafe } from '../util/terminal-safe.js';

/** Where a command writes its report and its messages; tests pass their own. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processOutput: CommandOutput = {
  // Run ids, names and warnings come from files: nothing in them may drive the terminal.
  stdout: (text) => process.stdout.write(terminalSafe(text)),
  stderr: (text) => process.stderr.write(terminalSafe(text)),
};
