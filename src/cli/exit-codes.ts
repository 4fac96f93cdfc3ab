/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** A benchmark or guest failed, or a host problem stopped the run. (`compare`: a regression.) */
  failure: 1,
  /** Bad input: unknown names, bad numbers, unusable paths or files. */
  usage: 2,
  interrupted: 130,
  terminated: 143,
} as const;
