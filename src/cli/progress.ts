/** Progress on stderr: a one-line bar on a TTY, plain lines (one per round) otherwise. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastPhase: string | undefined;
  return {
    update({
      phase,
      done,
      total,
      workload,
      binding,
    }: {
      phase: 'calibrate' | 'measure';
      done: number;
      total: number;
      workload: string;
      binding: string;
    }) {
      const elapsed = ((Date.now() - started) / 1000).toFixed(0);
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round((done / total) * width);
        stream.write(
          `\r${phase === 'calibrate' ? 'calibrating ' : ''}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${workload}/${binding} ${elapsed}s\x1b[K`,
        );
        if (done === total) stream.write('\n');
      } else if (phase !== lastPhase) {
        // Plain lines name each phase once, so logs (and tests) see where the run is.
        stream.write(
          `kvmbench: ${phase === 'calibrate' ? 'calibrating' : 'measuring'}, ${total} ${phase === 'calibrate' ? 'cells' : 'turns'}, ${elapsed} s\n`,
        );
      }
      lastPhase = phase;
    },
    finish() {
      if (stream.isTTY) stream.write('\r\x1b[K');
    },
  };
}
