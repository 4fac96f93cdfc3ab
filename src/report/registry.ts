/** Output formats by --format name. Adding a format: one new exporter file and one line here. */
import { UsageError } from '../errors.js';
import { csvExporter } from './csv.js';
import type { Exporter } from './exporter.js';
import { htmlExporter } from './html.js';
import { jsonExporter } from './json.js';

export const EXPORTERS: readonly Exporter[] = [jsonExporter, csvExporter, htmlExporter];
export const FORMAT_NAMES = EXPORTERS.map((exporter) => exporter.format);

export function exportersFor(formats: readonly string[]): Exporter[] {
  return formats.map((format) => {
    const exporter = EXPORTERS.find((candidate) => candidate.format === format);
    if (!exporter) throw new UsageError(`unknown format '${format}': choose from ${FORMAT_NAMES.join(', ')}`);
    return exporter;
  });
}
