/**
 * The `docs` project: runs every `ts doctest` fence of the docs, the READMEs and the TSDoc
 * `@example`s (STYLE.md §H) on the cpu backend, one test per fence named `<source>:<line>`,
 * each inside `withNoLeaks`. Fences marked `skip="…"` are reported as skipped; they are still
 * type-checked by `npm run typecheck:docs`.
 */
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { withNoLeaks } from '@patchfx/test-utils';
import { extractAll, REPO_ROOT } from './doctest/extract.js';

// Snippets read files relative to the repository root.
if (process.cwd() !== REPO_ROOT) process.chdir(REPO_ROOT);

const snippets = extractAll();

describe('doctest', () => {
  test('finds the fences', () => {
    expect(snippets.length).toBeGreaterThan(0);
  });

  for (const snippet of snippets) {
    const name = `${snippet.source}:${snippet.line}`;
    if (snippet.skip !== undefined) {
      test.skip(`${name} (skip: ${snippet.skip})`, () => {});
      continue;
    }
    test(name, async () => {
      // Importing runs only the snippet's imports; its body runs in `run()`, under the leak check.
      const mod = (await import(pathToFileURL(snippet.file).href)) as { run: () => Promise<void> };
      await withNoLeaks(() => mod.run());
    });
  }
});
