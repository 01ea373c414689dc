/**
 * A fresh Node process where the app chose no backend (none imported, none set): tfjs' registry
 * is empty. `loadDetectorFromPath` picks the best installed backend itself and says which;
 * `loadDetector` of the main entry stops at once with an error that names the fix (issue 16,
 * item 2). Each case runs a real child process from the sources.
 */
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { makeTempDir, runNodeModule } from '@patchfx/test-utils';
import { buildPatchDiscriminator } from '../src/index.js';
import { ensureBackend } from '../src/backend/index.js';
import { loadDetectorFromPath, saveCheckpoint } from '../src/node/index.js';

const ROOT = resolve(__dirname, '../../..');
const backend = inject('backend');

/** Runs ESM `code` in a new Node process from the repository root, on the sources. */
const runNode = (code: string) => runNodeModule(code, ROOT);

const PIXELS =
  'const image = { data: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 37) % 256), width: 32, height: 32 };';

describe.runIf(backend === 'cpu')('no backend chosen by the app', () => {
  const tmp = makeTempDir();
  const dir = join(tmp.dir, 'bestval');
  let expected: number;

  beforeAll(async () => {
    const model = buildPatchDiscriminator('xception_block1', { seed: 3 });
    await saveCheckpoint(dir, { model });
    model.dispose();
    const detector = await loadDetectorFromPath(dir, { loadSize: 32 });
    const data = Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 37) % 256);
    expected = (await detector.detect({ data, width: 32, height: 32 })).score;
    detector.dispose();
  });
  afterAll(() => tmp.remove());

  test('loadDetectorFromPath picks the best installed backend (wasm here), says which, and scores', async () => {
    const r = await runNode(`
      import * as tf from '@tensorflow/tfjs-core';
      import { loadDetectorFromPath } from '@patchfx/models/node';
      const before = tf.engine().backendNames();
      const detector = await loadDetectorFromPath(${JSON.stringify(dir)}, { loadSize: 32 });
      ${PIXELS}
      const { score } = await detector.detect(image);
      detector.dispose();
      console.log(JSON.stringify({ before, backend: tf.getBackend(), score }));
    `);
    expect(r.stderr).not.toMatch(/No backend found/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      before: string[];
      backend: string;
      score: number;
    };
    expect(out.before).toEqual([]);
    expect(out.backend).toBe('wasm'); // tfjs-node is not installed here; wasm beats cpu
    expect(out.score).toBeCloseTo(expected, 4); // the same model on wasm and on cpu
    expect(r.stderr).toContain(
      "no TensorFlow.js backend was chosen, so patchfx started 'wasm' (the best one installed)",
    );
    expect(r.stderr).toContain("await useBackend('wasm')");
  });

  test('loadDetector of the main entry stops at once and names the fix', async () => {
    const r = await runNode(`
      import { readFile } from 'node:fs/promises';
      import { join } from 'node:path';
      import { loadDetector } from '@patchfx/models/detector';
      const read = async (name) => new Uint8Array(await readFile(join(${JSON.stringify(dir)}, name)));
      await loadDetector({ read, where: 'bestval' }, { loadSize: 32 });
      console.log('loaded');
    `);
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('loaded');
    expect(r.stderr).not.toMatch(/No backend found/);
    expect(r.stderr).toContain('no TensorFlow.js backend is registered');
    expect(r.stderr).toContain("import { useBackend } from '@patchfx/models/backend'");
    expect(r.stderr).toContain("await useBackend('wasm')");
  });

  test('a backend the app imported is left alone, without a word', async () => {
    const r = await runNode(`
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import { loadDetectorFromPath } from '@patchfx/models/node';
      const detector = await loadDetectorFromPath(${JSON.stringify(dir)}, { loadSize: 32 });
      ${PIXELS}
      const { score } = await detector.detect(image);
      detector.dispose();
      console.log(JSON.stringify({ backend: tf.getBackend(), score }));
    `);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      backend: string;
      score: number;
    };
    expect(out).toEqual({ backend: 'cpu', score: expected });
    expect(r.stderr).not.toContain('patchfx');
  });

  test('ensureBackend keeps the active backend', async () => {
    const chosen: string[] = [];
    expect(await ensureBackend({ onChoose: (n) => chosen.push(n) })).toBe(tf.getBackend());
    expect(chosen).toEqual([]);
  });
});
