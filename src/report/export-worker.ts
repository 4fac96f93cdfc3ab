/**
 * Runs the exporters in a worker thread. Rendering a large run (CSV of every sample, the HTML
 * report) takes seconds of synchronous work; on the main thread it would hold off a second Ctrl-C
 * until it ended. In a worker the main thread's event loop stays free for signals.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Results } from '../results/types.js';
import type { ExportedFile } from './exporter.js';
import { exportersFor } from './registry.js';

interface Job {
  kind: 'kvmbench-export';
  formats: string[];
  results: Results;
}

const renderHere = (formats: readonly string[], results: Results): ExportedFile[] =>
  exportersFor(formats).flatMap((exporter) => exporter.export(results));

/**
 * The files of `formats` for `results`, rendered off the main thread. Where no worker can start
 * (no fd or memory left for its event loop) or it fails, they are rendered here instead: slower to
 * interrupt, but the files are still written, or the exporter's own error is what is reported.
 */
export function exportFiles(formats: readonly string[], results: Results): Promise<ExportedFile[]> {
  exportersFor(formats); // unknown formats fail here, with the usual message
  return new Promise((resolve, reject) => {
    const fallBack = () => {
      try {
        resolve(renderHere(formats, results));
      } catch (error) {
        reject(error);
      }
    };
    let worker: Worker;
    try {
      const job: Job = { kind: 'kvmbench-export', formats: [...formats], results };
      worker = new Worker(new URL(import.meta.url), { workerData: job });
    } catch {
      fallBack();
      return;
    }
    let settled = false;
    worker.once('message', (files: ExportedFile[]) => {
      settled = true;
      resolve(files);
      void worker.terminate();
    });
    worker.once('error', () => {
      if (!settled) fallBack();
      settled = true;
    });
    worker.once('exit', () => {
      if (!settled) fallBack();
      settled = true;
    });
  });
}

if (!isMainThread && (workerData as Job | undefined)?.kind === 'kvmbench-export') {
  const { formats, results } = workerData as Job;
  parentPort?.postMessage(renderHere(formats, results));
}
