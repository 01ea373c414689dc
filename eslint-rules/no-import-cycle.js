// @ts-check
/**
 * `patchfx/no-import-cycle`: fails on a cycle of relative static imports, type-only imports
 * included (STYLE.md §J: import cycles fail). `import/no-cycle` of eslint-plugin-import skips
 * `import type`, and both cycles this repository had were type-only on their back edge, so this
 * rule follows every top-level `import … from` / `export … from` (dynamic `import()` is lazy and
 * not followed). Relative specifiers resolve as TypeScript resolves them here (`./x.js` →
 * `./x.ts`, a folder → its `index.ts`); imports of packages are not followed (package
 * dependencies cannot form cycles: `tsc -b` refuses circular project references).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/** @type {Map<string, { mtimeMs: number, imports: { spec: string, target: string }[] }>} */
const cache = new Map();

/** The file a relative specifier names, or `null` when it is not a TypeScript source here. */
function resolveRelative(spec, fromFile) {
  const base = resolve(dirname(fromFile), spec);
  const stem = base.replace(/\.(m|c)?js$/, '');
  for (const candidate of [
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.mts`,
    `${stem}.cts`,
    `${stem}.d.ts`,
    base,
    `${base}/index.ts`,
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile() && /\.(c|m)?tsx?$/.test(candidate)) {
      return candidate;
    }
  }
  return null;
}

/** Top-level static imports and re-exports of a file (cached by modification time). */
function importsOf(file) {
  const mtimeMs = statSync(file).mtimeMs;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.imports;
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  /** @type {{ spec: string, target: string }[]} */
  const imports = [];
  for (const s of source.statements) {
    const spec =
      (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) &&
      s.moduleSpecifier &&
      ts.isStringLiteral(s.moduleSpecifier)
        ? s.moduleSpecifier.text
        : undefined;
    if (!spec || !spec.startsWith('.')) continue;
    const target = resolveRelative(spec, file);
    if (target) imports.push({ spec, target });
  }
  cache.set(file, { mtimeMs, imports });
  return imports;
}

/** A path from `from` to `to` along imports (files after `from`), or `null`. */
function findPath(from, to) {
  /** @type {Map<string, string | null>} */
  const parent = new Map([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const file = /** @type {string} */ (queue.shift());
    for (const { target } of importsOf(file)) {
      if (parent.has(target)) continue;
      parent.set(target, file);
      if (target === to) {
        const path = [];
        for (let f = /** @type {string | null} */ (target); f !== null; f = parent.get(f) ?? null) {
          path.unshift(f);
        }
        return path;
      }
      queue.push(target);
    }
  }
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow cycles of relative imports, type-only imports included.' },
    schema: [],
    messages: { cycle: 'Import cycle: {{cycle}}. Move what both sides need into its own module.' },
  },
  create(context) {
    const file = resolve(context.filename);
    const cwd = context.cwd;
    /** @param {any} node */
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = resolveRelative(spec, file);
      if (!target) return;
      const path = target === file ? [file] : findPath(target, file);
      if (!path) return;
      const cycle = [file, ...path].map((f) => relative(cwd, f)).join(' → ');
      context.report({ node: node.source, messageId: 'cycle', data: { cycle } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
    };
  },
};

export const patchfxRules = { rules: { 'no-import-cycle': noImportCycle } };
