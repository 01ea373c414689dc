/**
 * The onnxruntime path of `@patchfx/models/evaluate`: the same folders and model evaluated on
 * tfjs and on onnxruntime-node (the model exported to ONNX on the fly) give the same logits
 * within float rounding and the same AP; bad input and a missing runtime give clear errors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodePng } from '@patchfx/data';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator } from '../src/index.js';
import { collectTopPatches, evaluateFolders } from '../src/evaluate/index.js';
import { exportOnnx, OnnxModel, parseRuntime } from '../src/onnx/index.js';
import { importOptionalPeer, MissingPeerError } from '../src/internal/optional-peer.js';
import { realisticWeights } from './helpers/realistic-weights.js';

const SIZE = 32;
const tmp = makeTempDir();
const realDir = join(tmp.dir, 'real');
const fakeDir = join(tmp.dir, 'fake');

/** Four seeded PNGs per class; fakes carry a checkerboard. */
function writeImages(dir: string, fake: boolean): void {
  mkdirSync(dir, { recursive: true });
  let seed = fake ? 11 : 5;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 4; i++) {
    const data = new Uint8Array(SIZE * SIZE * 3);
    for (let k = 0; k < data.length; k++) {
      const p = Math.floor(k / 3);
      const trace = fake ? (((p % SIZE) + Math.floor(p / SIZE)) % 2 ? 40 : -40) : 0;
      data[k] = Math.max(0, Math.min(255, Math.round(60 + 120 * rand() + trace)));
    }
    writeFileSync(
      join(dir, `${i}.png`),
      encodePng({ data, width: SIZE, height: SIZE, channels: 3 }),
    );
  }
}

let model: LayersModel;

beforeAll(() => {
  writeImages(realDir, false);
  writeImages(fakeDir, true);
  model = buildPatchDiscriminator('xception_block1', { seed: 3 });
  realisticWeights(model);
});
afterAll(() => {
  model.dispose();
  tmp.remove();
});

describe('runtime onnx', () => {
  test('evaluateFolders: the logits of every image within 1e-4 (relative to the largest), the same AP', async () => {
    const common = { realDir, fakeDir, model, transform: { loadSize: SIZE, fineSize: SIZE } };
    const tfjs = await evaluateFolders({ ...common, foldBatchNorm: false });
    const onnx = await evaluateFolders({ ...common, runtime: 'onnx' });
    expect(onnx.predictions.map((p) => p.path)).toEqual(tfjs.predictions.map((p) => p.path));
    expect(onnx.mapSize).toEqual(tfjs.mapSize);
    let maxDiff = 0;
    let maxAbs = 0;
    tfjs.predictions.forEach((p, i) => {
      p.logits.forEach((v, k) => {
        maxAbs = Math.max(maxAbs, Math.abs(v));
        maxDiff = Math.max(maxDiff, Math.abs(v - onnx.predictions[i].logits[k]));
      });
    });
    expect(maxAbs).toBeGreaterThan(0.1); // the weights are not vanishingly small
    expect(maxDiff / maxAbs).toBeLessThan(1e-4);
    for (const mode of ['vote', 'before_softmax', 'after_softmax'] as const)
      expect(Math.abs(onnx.metrics[mode].ap - tfjs.metrics[mode].ap)).toBeLessThanOrEqual(1e-4);
  });

  test('collectTopPatches finds the same patches', async () => {
    const common = { realDir, fakeDir, model, size: SIZE, topn: 4, perImage: 1 };
    const tfjs = await collectTopPatches({ ...common, foldBatchNorm: false });
    const onnx = await collectTopPatches({ ...common, runtime: 'onnx' });
    const key = (c: { path: string; pos: readonly [number, number] }) =>
      `${c.path}:${c.pos.join(',')}`;
    expect(onnx.fakes.candidates.map(key)).toEqual(tfjs.fakes.candidates.map(key));
    expect(onnx.reals.candidates.map(key)).toEqual(tfjs.reals.candidates.map(key));
  });

  test('leaves no tensor behind', async () => {
    await withNoLeaks(() =>
      evaluateFolders({
        realDir,
        fakeDir,
        model,
        runtime: 'onnx',
        transform: { loadSize: SIZE, fineSize: SIZE },
      }),
    );
  });

  test('bad input: an unknown runtime, empty bytes, a used-up model', async () => {
    await expect(
      evaluateFolders({
        realDir,
        fakeDir,
        model,
        runtime: 'torch' as 'onnx',
        transform: { loadSize: SIZE, fineSize: SIZE },
      }),
    ).rejects.toThrow("evaluateFolders: runtime must be one of 'tfjs' | 'onnx', got \"torch\"");
    expect(() => parseRuntime('ONNX')).toThrow('unknown runtime "ONNX"; one of tfjs | onnx');
    await expect(OnnxModel.create(new Uint8Array(0))).rejects.toThrow('non-empty Uint8Array');
    const onnx = await OnnxModel.create(exportOnnx(model));
    await onnx.dispose();
    await expect(
      onnx.predictAsync(new Float32Array(3 * SIZE * SIZE), [1, SIZE, SIZE, 3]),
    ).rejects.toThrow('used after dispose()');
  });

  test('a missing optional peer is a MissingPeerError that says what to install', async () => {
    const e = await importOptionalPeer(['patchfx-no-such-package'], 'install it').catch(
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(MissingPeerError);
    expect((e as Error).message).toBe('install it');
  });
});
