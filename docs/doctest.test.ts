/**
 * The `docs` project: runs every `ts doctest` fence of the docs, the READMEs and the TSDoc
 * `@example`s (STYLE.md §H) on the cpu backend, one test per fence named `<source>:<line>`,
 * each inside `withNoLeaks`. Fences marked `skip="…"` are reported as skipped; they are still
 * type-checked by `npm run typecheck:docs`.
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { useBackend } from '@patchfx/models/backend';
import { withNoLeaks } from '@patchfx/test-utils';
import { extractAll, REPO_ROOT } from './doctest/extract.js';

// Snippets read files relative to the repository root.
if (process.cwd() !== REPO_ROOT) process.chdir(REPO_ROOT);

const snippets = extractAll();

// A snippet may start another backend, as an app would (`await useBackend('wasm')`); the next
// one starts on the project's backend again.
afterEach(async () => {
  if (tf.getBackend() !== inject('backend')) await useBackend(inject('backend'));
});

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
