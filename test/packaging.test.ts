/** What a fresh clone relies on after `npm ci`: executable bins, engines, the optional clinic peer. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  allowScripts: Record<string, boolean>;
};

describe('package', () => {
  it('leaves every bin file executable after the build, with a node shebang', () => {
    const bins = Object.entries(pkg.bin);
    assert.ok(bins.length > 0);
    for (const [name, file] of bins) {
      const path = join(root, file);
      const mode = statSync(path).mode & 0o777;
      assert.equal(mode & 0o111, 0o111, `${name} (${file}) has mode ${mode.toString(8)}: the build must chmod it`);
      assert.match(readFileSync(path, 'utf8').split('\n')[0] ?? '', /^#!\/usr\/bin\/env node$/);
    }
  });

  it('asks for a Node that node-gyp 12 runs on', () => {
    assert.equal(pkg.engines.node, '>=20.17');
  });

  it('keeps clinic an optional peer, out of the production dependencies', () => {
    assert.equal(pkg.dependencies.clinic, undefined);
    assert.equal(pkg.devDependencies.clinic, undefined);
    assert.ok(pkg.peerDependencies.clinic);
    assert.equal(pkg.peerDependenciesMeta.clinic?.optional, true);
  });

  it('decides install scripts per package: koffi picks its prebuilt binary, es5-ext only prints', () => {
    assert.deepEqual(pkg.allowScripts, { 'es5-ext': false, koffi: true });
  });

  it('packs what an install builds and runs from (sources, guests, the build scripts, the schema), no tests', () => {
    // Some npm versions run `prepare` even so, and its lines come before the JSON on stdout.
    const printed = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    });
    const packed = JSON.parse(printed.slice(printed.search(/^\[/m))) as Array<{ files: Array<{ path: string }> }>;
    const paths = (packed[0]?.files ?? []).map((file) => file.path);
    for (const needed of [
      'package.json',
      'dist/src/cli/main.js',
      'dist/src/index.d.ts',
      'src/native/binding.gyp',
      'guests/manifest.json',
      'scripts/build.mjs',
      'results.schema.json',
      'tsconfig.json',
    ]) {
      assert.ok(paths.includes(needed), `${needed} is packed`);
    }
    assert.deepEqual(
      paths.filter((path) => path.startsWith('test/') || path.startsWith('dist/test/')),
      [],
      'no tests',
    );
  });
});
