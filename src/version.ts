/** kvmbench's own version, read once from package.json (compiled to dist/src/, two levels below it). */
import { createRequire } from 'node:module';

export const KVMBENCH_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;
