/** Progress on stderr: a one-line bar on a TTY, plain lines (one per round) otherwise. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastRound = -1;
  return {
    update({
      round,
      turn,
      turns,
      workload,
      binding,
    }: {
      round: number;
      turn: number;
      turns: number;
      workload: string;
      binding: string;
    }) {
      const elapsed = ((Date.now() - started) / 1000).toFixed(0);
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round((turn / turns) * width);
        stream.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${turn}/${turns} round ${round + 1} ${workload}/${binding} ${elapsed}s\x1b[K`,
        );
        if (turn === turns) stream.write('\n');
      } else if (round !== lastRound) {
        stream.write(`kvmbench: round ${round + 1}, ${turn}/${turns} turns, ${elapsed} s\n`);
      }
      lastRound = round;
    },
    finish() {
      if (stream.isTTY) stream.write('\r\x1b[K');
    },
  };
}
