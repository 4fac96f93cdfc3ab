import type { RunProgress } from '../bench/runner.js';

/** Progress on stderr: a one-line bar on a TTY, plain lines (one per round) otherwise. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastLine: string | undefined;
  return {
    update({ phase, done, total, round, workload, binding }: RunProgress) {
      const elapsed = ((Date.now() - started) / 1000).toFixed(0);
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round((done / total) * width);
        stream.write(
          `\r${phase === 'calibrate' ? 'calibrating ' : phase === 'trace' ? 'tracing ' : ''}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${workload}/${binding} ${elapsed}s\x1b[K`,
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
        if (line !== lastLine) stream.write(`${line}, ${elapsed} s\n`);
        lastLine = line;
      }
    },
    finish() {
      if (stream.isTTY) stream.write('\r\x1b[K');
    },
  };
}
