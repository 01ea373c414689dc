/**
 * The package graph, checked as the lint rules check files: every `@patchfx/*` package a
 * package's sources import is one it declares, and the declared graph has no cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const PACKAGES = ['data', 'metrics', 'models', 'segment', 'viz'];

function manifest(p: string): Record<string, Record<string, string> | undefined> {
  return JSON.parse(readFileSync(join(ROOT, 'packages', p, 'package.json'), 'utf8'));
}

/** `@patchfx/<name>` imports of the code (not the comments) under `dir`. */
function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts')) continue;
    const text = readFileSync(join(e.parentPath, e.name), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'@patchfx\/([a-z-]+)/g)) found.add(m[1]);
  }
  return found;
}

/** A cycle in `graph`, as a path, or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const m of graph.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

describe('package graph', () => {
  test.each(PACKAGES)('@patchfx/%s imports only the packages it declares', (p) => {
    const m = manifest(p);
    const declared = new Set(
      Object.keys({ ...m.dependencies, ...m.peerDependencies })
        .filter((d) => d.startsWith('@patchfx/'))
        .map((d) => d.slice('@patchfx/'.length)),
    );
    const undeclared = [...importedPackages(join(ROOT, 'packages', p, 'src'))].filter(
      (q) => q !== p && !declared.has(q),
    );
    expect(undeclared).toEqual([]);
  });

  test('has no cycle', () => {
    const graph = new Map(
      PACKAGES.map((p) => {
        const m = manifest(p);
        return [
          p,
          Object.keys({ ...m.dependencies, ...m.peerDependencies })
            .filter((d) => d.startsWith('@patchfx/'))
            .map((d) => d.slice('@patchfx/'.length)),
        ] as const;
      }),
    );
    expect(findCycle(graph)).toBeNull();
  });

  test('the cycle finder finds one', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);
    expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
  });
});
