/**
 * The JavaScript runtime this process runs in: Node, Bun or Deno, with its version and engine. Bun
 * and Deno report a Node version of their own for compatibility (process.versions.node), so the kind
 * comes from their globals, never from that.
 */

export type RuntimeKind = 'node' | 'bun' | 'deno';

export interface RuntimeIdentity {
  kind: RuntimeKind;
  /** The runtime's own version: Node's, Bun's or Deno's. */
  version: string;
  /** Its engine and version: `V8 12.4.254.21`, `JavaScriptCore <webkit commit>`. */
  engine: string;
}

interface Globals {
  Bun?: { version: string };
  Deno?: { version: { deno: string; v8: string } };
}

export function currentRuntime(): RuntimeIdentity {
  const globals = globalThis as Globals;
  if (globals.Bun) {
    return { kind: 'bun', version: globals.Bun.version, engine: `JavaScriptCore ${process.versions.webkit ?? '?'}` };
  }
  if (globals.Deno) {
    return { kind: 'deno', version: globals.Deno.version.deno, engine: `V8 ${globals.Deno.version.v8}` };
  }
  return { kind: 'node', version: process.versions.node, engine: `V8 ${process.versions.v8}` };
}

/** The major version of a `x.y.z` version string. */
export const majorOf = (version: string): number => Number.parseInt(version, 10);
