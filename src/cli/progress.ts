import type { RunProgress } from '../bench/progress.js';

/** Progress on stderr: a one-line bar on a TTY, plain lines (one per round) otherwise. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastLine: string | undefined;
  let phaseOf: { phase: RunProgress['phase']; since: number } | undefined;
  return {
    update({ phase, done, total, round, workload, binding, plannedMs }: RunProgress) {
      const now = Date.now();
      const elapsed = ((now - started) / 1000).toFixed(0);
      if (phaseOf?.phase !== phase) phaseOf = { phase, since: now };
      // What is left of this phase at the pace so far (its turns are alike: the rounds' are equal).
      // Before the first step, what the plan says; then the pace so far.
      const sinceMs = now - phaseOf.since;
      const leftMs =
        done === 0 ? Math.max(0, (plannedMs ?? 0) - sinceMs) : done < total ? (sinceMs / done) * (total - done) : 0;
      const left = leftMs > 0 ? `, ~${Math.ceil(leftMs / 1000)} s left` : '';
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round((done / total) * width);
        stream.write(
          `\r${phase === 'calibrate' ? 'calibrating ' : phase === 'trace' ? 'tracing ' : ''}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${workload}/${binding} ${elapsed}s${left}\x1b[K`,
        );
        if (done === total) stream.write('\n');
      } else {
        // Plain lines name each phase and round once, so logs (and tests) see where the run is.
        const line =
          phase === 'calibrate'
            ? `kvmbench: calibrating, ${total} cells`
            : phase === 'trace'
              ? `kvmbench: tracing, ${total} batches`
              : `kvmbench: measuring, round ${(round ?? 0) + 1}, ${total} turns`;
        if (line !== lastLine) stream.write(`${line}, ${elapsed} s${left}\n`);
        lastLine = line;
      }
    },
    finish() {
      if (stream.isTTY) stream.write('\r\x1b[K');
    },
  };
}
