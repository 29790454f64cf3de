import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { transformFileSync, type Options } from '@swc/core';

/**
 * Compiles src/ once per run for the tests that start real processes (a server, the CLI
 * commands): each then starts from JavaScript in about a second instead of compiling some 200
 * files on the fly with `-r @swc-node/register` (about 2-3 s a process, some 30 processes a
 * run). The same SWC settings as the tests' own transform. The folder sits under
 * node_modules/.cache so that the compiled files find the project's packages.
 */
export function buildSrc(root: string, outDir: string): void {
  const options = require(join(root, '.swcrc.jest.json')) as Options;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(dir, e.name))
        : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')
          ? [join(dir, e.name)]
          : [],
    );
  const src = join(root, 'src');
  for (const file of walk(src)) {
    const out = join(outDir, relative(src, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, transformFileSync(file, { ...options, filename: file, swcrc: false }).code);
  }
}
