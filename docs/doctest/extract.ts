/**
 * Collects every `ts doctest` fence of the repository and writes each one as a module under
 * `docs/.doctest/` (gitignored), where `docs/doctest.test.ts` runs them and
 * `tsc -p tsconfig.doctest.json` type-checks them.
 *
 * Sources: `docs/**\/*.md`, the root and package READMEs, and the TSDoc comments of
 * `packages/*\/src/**\/*.ts`. Run directly (`npm run doctest:extract`) it writes the files and
 * prints how many it found.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFences, type Fence } from './fences.js';
import { rewriteFence } from './rewrite.js';

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Where the generated modules go, relative to the root. */
export const OUT_DIR = 'docs/.doctest';

/** One generated snippet. */
export interface Snippet extends Fence {
  /** Absolute path of the generated module. */
  readonly file: string;
  /** Number of `// =>` / `// ≈` checks in it. */
  readonly assertions: number;
}

const SKIP_DIRS = new Set(['node_modules', 'dist', '.tsbuild', '.doctest', 'api', 'fixtures']);

function walk(dir: string, keep: (path: string) => boolean, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') && entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(path, keep, out);
    } else if (entry.isFile() && keep(path)) {
      out.push(path);
    }
  }
}

/**
 * The files that may hold doctest fences, relative to `root` with `/` separators, sorted.
 */
export function listSources(root: string = REPO_ROOT): string[] {
  const files: string[] = [];
  walk(join(root, 'docs'), (p) => p.endsWith('.md'), files);
  if (existsSync(join(root, 'README.md'))) files.push(join(root, 'README.md'));
  const packages = join(root, 'packages');
  for (const pkg of existsSync(packages) ? readdirSync(packages).sort() : []) {
    const readme = join(packages, pkg, 'README.md');
    if (existsSync(readme)) files.push(readme);
    walk(join(packages, pkg, 'src'), (p) => p.endsWith('.ts') && !p.endsWith('.d.ts'), files);
  }
  return files.map((f) => relative(root, f).split(sep).join('/')).sort();
}

/** The generated file name of a fence: the source path made flat, then the line. */
export function snippetFileName(source: string, line: number): string {
  return `${source.replace(/[^A-Za-z0-9]+/g, '_')}-${line}.ts`;
}

/**
 * Finds every fence, writes its module (only when changed, so that a concurrent type-check
 * never sees a half-written folder) and deletes modules of fences that no longer exist.
 *
 * @param root - The repository root.
 * @returns The snippets, in source order.
 * @throws DoctestSyntaxError on the first malformed fence or assertion, located in its source.
 */
export function extractAll(root: string = REPO_ROOT): Snippet[] {
  const outDir = join(root, OUT_DIR);
  mkdirSync(outDir, { recursive: true });
  const snippets: Snippet[] = [];
  const names = new Set<string>();
  for (const source of listSources(root)) {
    const text = readFileSync(join(root, source), 'utf8');
    if (!text.includes('doctest')) continue;
    for (const fence of findFences(text, source)) {
      const name = snippetFileName(source, fence.line);
      if (names.has(name)) throw new Error(`two doctest fences map to ${OUT_DIR}/${name}`);
      names.add(name);
      const { text: module, assertions } = rewriteFence(fence, { helper: '../doctest/assert.js' });
      const file = join(outDir, name);
      if (!existsSync(file) || readFileSync(file, 'utf8') !== module) writeFileSync(file, module);
      snippets.push({ ...fence, file, assertions });
    }
  }
  for (const entry of readdirSync(outDir)) {
    if (!names.has(entry)) rmSync(join(outDir, entry), { recursive: true, force: true });
  }
  return snippets;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const snippets = extractAll();
  const skipped = snippets.filter((s) => s.skip !== undefined).length;
  const checks = snippets.reduce((n, s) => n + s.assertions, 0);
  console.log(
    `doctest: ${snippets.length} fences (${skipped} type-check only), ${checks} checks → ${OUT_DIR}/`,
  );
}
