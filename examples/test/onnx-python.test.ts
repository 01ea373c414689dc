/**
 * The Python example of docs/onnx-python.md (examples/export-onnx/python/score_onnx.py): run on
 * an exported model and real faces, it gives the detector's P(fake) and patch map. onnxruntime's
 * Python package is not in Debian, so where it is missing the script runs against a stand-in
 * (`python/standin/onnxruntime.py`: the `onnx` package parses the file, PyTorch runs the
 * operators), an implementation independent of patchfx's; Pillow does the decoding and resizing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodePng } from '@patchfx/data';
import { buildPatchDiscriminator, checkpointPreprocessing } from '@patchfx/models';
import { loadDetectorFromPath } from '@patchfx/models/node';
import { exportOnnx } from '@patchfx/models/onnx';
import { FACES_DEV_DIR, hasSharedFaces, makeTempDir } from '@patchfx/test-utils';
import { ROOT } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(ROOT, 'examples/export-onnx/python/score_onnx.py');
const STANDIN = join(ROOT, 'examples/export-onnx/python/standin');
const canImport = (what: string) =>
  spawnSync(PYTHON, ['-c', `import ${what}`], { stdio: 'ignore' }).status === 0;
const hasPython = canImport('numpy, PIL, onnx, torch');
const realOrt = hasPython && canImport('onnxruntime');

const tmp = makeTempDir();
const onnxFile = join(tmp.dir, 'model.onnx');
let images: string[];

beforeAll(() => {
  // Init gain 1: a patch map that varies (the reference's 0.02 gives near-constant logits).
  const model = buildPatchDiscriminator('xception_block1', { seed: 4, initGain: 1 });
  writeFileSync(
    onnxFile,
    exportOnnx(model, { preprocessing: checkpointPreprocessing({ loadSize: 64 }) }),
  );
  model.dispose();
  const faces = hasSharedFaces
    ? ['real', 'fake'].map((c) => {
        const dir = join(FACES_DEV_DIR, c, 'test');
        return join(
          dir,
          readdirSync(dir)
            .filter((f) => f.endsWith('.png'))
            .sort()[0],
        );
      })
    : [];
  // A landscape image with a remainder, so that the resize and the centre crop both round.
  const wide = join(tmp.dir, 'wide.png');
  const data = new Uint8Array(101 * 77 * 3).map((_, k) => (k * 7 + (k >> 5)) % 256);
  writeFileSync(wide, encodePng({ data, width: 101, height: 77, channels: 3 }));
  images = [...faces, wide];
});
afterAll(() => tmp.remove());

describe('docs/onnx-python.md', () => {
  test('shows score_onnx.py exactly as the file is', () => {
    const page = readFileSync(join(ROOT, 'docs/onnx-python.md'), 'utf8');
    const block = /```python\n([\s\S]*?)```/.exec(page)?.[1];
    expect(block).toBe(readFileSync(SCRIPT, 'utf8'));
  });

  test.runIf(hasPython)(
    `score_onnx.py (${realOrt ? 'onnxruntime' : 'stand-in onnxruntime'}) gives the detector's P(fake) and patch map`,
    async () => {
      const out = execFileSync(PYTHON, [SCRIPT, onnxFile, ...images, '--json'], {
        encoding: 'utf8',
        env: { ...process.env, ...(realOrt ? {} : { PYTHONPATH: STANDIN }) },
      });
      const python = JSON.parse(out) as {
        model: string;
        results: { image: string; score: number; patchMap: number[][] }[];
      };
      expect(python.model).toBe('xception_block1');
      const detector = await loadDetectorFromPath(onnxFile);
      try {
        for (const [i, image] of images.entries()) {
          const r = python.results[i];
          const d = await detector.detect(image);
          expect(Math.abs(r.score - d.score)).toBeLessThan(1e-4);
          const map = d.patchMap!;
          expect([r.patchMap.length, r.patchMap[0].length]).toEqual([map.height, map.width]);
          const flat = r.patchMap.flat();
          flat.forEach((v, k) => expect(Math.abs(v - map.data[k])).toBeLessThan(1e-4));
          expect(Math.max(...flat) - Math.min(...flat)).toBeGreaterThan(0.01);
        }
      } finally {
        detector.dispose();
      }
    },
  );
});
