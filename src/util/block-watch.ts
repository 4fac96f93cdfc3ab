/**
 * The longest stretch the event loop was blocked while a phase ran: how late a signal's handler could
 * run. A 10 ms timer stands in for the handler; the longest delay it saw (perf_hooks' event-loop
 * delay histogram, where the runtime has one) is the phase's longest synchronous stretch.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface BlockWatch {
  /** Stops watching; the longest blocked stretch in ms (0 if none was seen). */
  stop(): number;
}

const RESOLUTION_MS = 10;

export function watchBlocking(): BlockWatch {
  try {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    return {
      stop() {
        histogram.disable();
        // The histogram's max includes the timer's own period; what is beyond it was blocked.
        const max = histogram.max;
        return Number.isFinite(max) && max > 0 ? Math.max(0, max / 1e6 - RESOLUTION_MS) : 0;
      },
    };
  } catch {
    // A runtime without the histogram (Bun today): a timer of our own measures its lateness.
    let worst = 0;
    let expected = performance.now() + RESOLUTION_MS;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - expected);
      expected = now + RESOLUTION_MS;
    }, RESOLUTION_MS);
    return {
      stop() {
        clearInterval(timer);
        worst = Math.max(worst, performance.now() - expected);
        return Math.max(0, worst);
      },
    };
  }
}
