/**
 * Signals reach JavaScript only when the event loop turns: a synchronous stretch of measuring delays
 * a Ctrl-C by its whole length. Work that loops (warm-ups, probes, turns) asks a slicer between
 * steps and yields once SLICE_MS have passed since the last yield, so every phase sees a signal
 * within one step plus SLICE_MS, on a fast host and under an emulated CPU alike.
 */
export const SLICE_MS = 50;

/** Yields to the event loop (a macrotask turn, so signal handlers and I/O callbacks run). */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export interface TimeSlicer {
  /** True once the current stretch has lasted sliceMs. */
  due(): boolean;
  /** Yields when due; a resolved promise otherwise (no macrotask turn, nothing lost on a fast step). */
  maybeYield(): Promise<void>;
}

export function timeSlicer(sliceMs = SLICE_MS): TimeSlicer {
  let since = performance.now();
  const due = () => performance.now() - since >= sliceMs;
  return {
    due,
    async maybeYield() {
      if (!due()) return;
      await yieldToEventLoop();
      since = performance.now();
    },
  };
}
