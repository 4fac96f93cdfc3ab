/**
 * Runs the exporters in a worker thread. Rendering a large run (CSV of every sample, the HTML
 * report) takes seconds of synchronous work; on the main thread it would hold off a second Ctrl-C
 * until it ended. In a worker the main thread's event loop stays free for signals.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Results } from '../bench/results.js';
import type { ExportedFile } from './exporter.js';
import { exportersFor } from './registry.js';

interface Job {
  kind: 'kvmbench-export';
  formats: string[];
  results: Results;
}

/** The files of `formats` for `results`, rendered off the main thread. */
export function exportFiles(formats: readonly string[], results: Results): Promise<ExportedFile[]> {
  exportersFor(formats); // unknown formats fail here, with the usual message
  return new Promise((resolve, reject) => {
    const job: Job = { kind: 'kvmbench-export', formats: [...formats], results };
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    worker.once('message', (files: ExportedFile[]) => {
      resolve(files);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the export worker exited with code ${code} before it finished`)));
  });
}

if (!isMainThread && (workerData as Job | undefined)?.kind === 'kvmbench-export') {
  const { formats, results } = workerData as Job;
  parentPort?.postMessage(exportersFor(formats).flatMap((exporter) => exporter.export(results)));
}
