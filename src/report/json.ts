/** results.json: the whole results object, the input of compare, the CI exports and the HTML report. */
import type { Exporter } from './exporter.js';

export const jsonExporter: Exporter = {
  format: 'json',
  description: 'results.json: everything measured, in the versioned schema (results.schema.json)',
  export: (results) => [{ name: 'results.json', content: `${JSON.stringify(results, null, 2)}\n` }],
};
