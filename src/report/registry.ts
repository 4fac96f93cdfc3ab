/** Output formats by --format name. Adding a format: one new exporter file and one line here. */
import { UsageError } from '../errors.js';
import { bencherExporter } from './bencher.js';
import { csvExporter } from './csv.js';
import type { Exporter } from './exporter.js';
import { githubBenchmarkExporter } from './github-benchmark.js';
import { htmlExporter } from './html.js';
import { jsonExporter } from './json.js';
import { markdownExporter } from './markdown.js';

export const EXPORTERS: readonly Exporter[] = [
  jsonExporter,
  csvExporter,
  htmlExporter,
  markdownExporter,
  githubBenchmarkExporter,
  bencherExporter,
];
export const FORMAT_NAMES = EXPORTERS.map((exporter) => exporter.format);
/** What `kvmbench run` writes unless --format says otherwise. */
export const DEFAULT_FORMATS = ['json', 'csv', 'html'];

export function exportersFor(formats: readonly string[]): Exporter[] {
  return formats.map((format) => {
    const exporter = EXPORTERS.find((candidate) => candidate.format === format);
    if (!exporter) throw new UsageError(`unknown format '${format}': choose from ${FORMAT_NAMES.join(', ')}`);
    return exporter;
  });
}
