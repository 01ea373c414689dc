/**
 * The import-cycle lint rule on real files: a temporary folder of TypeScript modules, linted by
 * ESLint with the rule as `eslint.config.js` configures it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, test } from 'vitest';
import { patchfxRules } from './no-import-cycle.js';

const root = mkdtempSync(join(tmpdir(), 'patchfx-cycles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes `files` under a fresh folder and lints them; returns `file: message` per error. */
async function lint(name: string, files: Record<string, string>): Promise<string[]> {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const eslint = new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { patchfx: patchfxRules },
        rules: { 'patchfx/no-import-cycle': 'error' },
      },
    ],
  });
  const results = await eslint.lintFiles(Object.keys(files).filter((f) => f.endsWith('.ts')));
  return results
    .flatMap((r) => r.messages.map((m) => `${r.filePath.slice(dir.length + 1)}: ${m.message}`))
    .sort();
}

describe('patchfx/no-import-cycle', () => {
  test('a type-only back edge is a cycle (what import/no-cycle lets through)', async () => {
    const errors = await lint('type-only', {
      'a.ts': "import { b } from './b.js';\nexport const a = b + 1;\n",
      'b.ts': "import type { a } from './a.js';\nexport const b = 1;\nexport type A = typeof a;\n",
    });
    expect(errors).toEqual([
      'a.ts: Import cycle: a.ts → b.ts → a.ts. Move what both sides need into its own module.',
      'b.ts: Import cycle: b.ts → a.ts → b.ts. Move what both sides need into its own module.',
    ]);
  });

  test('longer cycles, through re-exports and a folder index', async () => {
    const errors = await lint('long', {
      'a.ts': "export { c } from './lib/index.js';\nexport const a = 1;\n",
      'lib/index.ts': "export * from './c.js';\n",
      'lib/c.ts': "import { a } from '../a.js';\nexport const c = a;\n",
    });
    expect(errors).toHaveLength(3);
    expect(errors[0]).toBe(
      'a.ts: Import cycle: a.ts → lib/index.ts → lib/c.ts → a.ts. Move what both sides need into its own module.',
    );
  });

  test('no cycle: a chain, a package import and a lazy import() back edge pass', async () => {
    const errors = await lint('none', {
      'a.ts':
        "import { b } from './b.js';\nimport { x } from 'some-package';\nexport const a = b + x;\n",
      'b.ts': "import { c } from './c.js';\nexport const b = c;\n",
      'c.ts': "export const c = 1;\nexport const load = () => import('./a.js');\n",
    });
    expect(errors).toEqual([]);
  });
});
