/**
 * kvmbench's exit codes, documented in the README: their one definition. It lives in util/ because
 * the cleanup registry, below every command, exits with the signal codes too; cli/exit-codes.ts
 * re-exports it for the commands.
 */
export const EXIT = {
  ok: 0,
  /** A benchmark or guest failed, or a host problem stopped the run. (`compare`: a regression.) */
  failure: 1,
  /** Bad input: unknown names, bad numbers, unusable paths or files. */
  usage: 2,
  /** 128 + SIGHUP: the terminal went away (ssh dropped, window closed). */
  hangup: 129,
  /** 128 + SIGINT, as a shell reports a process that Ctrl-C ended. */
  interrupted: 130,
  /** 128 + SIGTERM. */
  terminated: 143,
} as const;

/** The code for a process stopped by SIGINT, SIGTERM or SIGHUP. */
export const signalExitCode = (signal: NodeJS.Signals | null | undefined): number =>
  signal === 'SIGTERM' ? EXIT.terminated : signal === 'SIGHUP' ? EXIT.hangup : EXIT.interrupted;
