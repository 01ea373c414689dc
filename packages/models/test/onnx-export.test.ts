/**
 * ONNX export: every variant's file passes Debian's `onnx.checker` (full check), and onnxruntime
 * gives the tfjs model's logits (max |Δ| / max |tfjs| ≤ 1e-4) on random inputs of two batch
 * sizes (and two image sizes for patch models), with weights at a realistic scale and
 * BatchNorms with non-trivial statistics; leaks nothing; wrong input gives a clear error.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { input, layers, model as functionalModel } from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import {
  BatchNorm,
  buildPatchDiscriminator,
  checkpointPreprocessing,
  isPatchModel,
  listModelNames,
  resolveModelConfig,
} from '../src/index.js';
import { exportOnnx, ONNX_METADATA_KEYS, ONNX_OPSET } from '../src/onnx/index.js';
import { decodeModel } from '../src/onnx/schema.js';

/** Debian's python3 with python3-onnx (not a pyenv python). */
const PYTHON = '/usr/bin/python3';

const CHECK_SCRIPT = `
import sys, onnx
for path in sys.argv[1:]:
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print('ok', path)
`;

const tmp = makeTempDir('patchfx-onnx-');
afterAll(() => tmp.remove());

/** Writes an ONNX file into the test's temporary folder; returns its path. */
function writeOnnx(name: string, bytes: Uint8Array): string {
  const path = join(tmp.dir, `${name}.onnx`);
  writeFileSync(path, bytes);
  return path;
}

/** Runs `onnx.checker.check_model(full_check=True)` on each file; throws with its message. */
function checkOnnx(paths: readonly string[]): void {
  const r = spawnSync(PYTHON, ['-c', CHECK_SCRIPT, ...paths], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`onnx.checker failed: ${r.stderr || r.error}`);
  expect(r.stdout.trim().split('\n')).toHaveLength(paths.length);
}

/** Weights of a realistic scale: kaiming init; BatchNorms with random γ, β, μ, σ² (seeded). */
function realisticModel(name: string, seed: number): LayersModel {
  const model = buildPatchDiscriminator(name, { initType: 'kaiming', initGain: 1, seed });
  let s = seed * 1000;
  for (const layer of model.layers) {
    if (layer.getClassName() !== BatchNorm.className) continue;
    const c = layer.weights[0].shape[0]!;
    const values = [
      [0.5, 1.5],
      [-0.5, 0.5],
      [-0.3, 0.3],
      [0.5, 2],
    ].map(([lo, hi]) => tf.randomUniform([c], lo, hi, 'float32', s++));
    layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

/** max |a − b| / max |b|: the error measure of the issue. */
function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-30);
}

type Ort = typeof import('onnxruntime-node');
let ortModule: Ort | null = null;
const ort = async (): Promise<Ort> => (ortModule ??= await import('onnxruntime-node'));

/** The largest relative error between onnxruntime and tfjs over the given input shapes. */
async function compareWithTfjs(
  model: LayersModel,
  bytes: Uint8Array,
  shapes: readonly (readonly [number, number, number])[],
): Promise<number> {
  const { InferenceSession, Tensor } = await ort();
  const session = await InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  let worst = 0;
  try {
    for (const [n, h, w] of shapes) {
      const x = tf.randomUniform([n, h, w, 3], -1, 1, 'float32', n * 1000 + h);
      const [nchw, expected] = tf.tidy(() => [
        tf.transpose(x, [0, 3, 1, 2]),
        (() => {
          const y = model.predict(x) as tf.Tensor;
          return y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y;
        })(),
      ]);
      const feed = new Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape);
      const out = await session.run({ input: feed });
      expect(out.logits.dims).toEqual(expected.shape);
      worst = Math.max(worst, maxRelative(out.logits.data as Float32Array, expected.dataSync()));
      tf.dispose([x, nchw, expected]);
    }
  } finally {
    await session.release();
  }
  return worst;
}

/** The variants compared with tfjs, with the spatial sizes they run at. */
const PARITY: readonly (readonly [string, readonly number[]])[] = [
  ['xception_relu1', [33, 48]],
  ['xception_block2', [40, 64]],
  ['longxception', [40, 56]],
  ['resnet18_layer1', [40, 64]],
  ['resnet50_layer2', [48, 64]],
  ['xception', [64]],
  ['resnet18', [64]],
];

describe('exportOnnx', () => {
  for (const [name, sizes] of PARITY) {
    test(`${name}: passes the checker and equals tfjs within 1e-4`, async () => {
      const model = realisticModel(name, 3);
      try {
        const patch = isPatchModel(resolveModelConfig(name));
        // Full-image models have a fixed input side: the checkpoint's fineSize.
        const options = patch ? {} : { preprocessing: checkpointPreprocessing({ loadSize: 64 }) };
        const bytes = await withNoLeaks(() => exportOnnx(model, options));
        checkOnnx([writeOnnx(name, bytes)]);
        const shapes = [1, 2].flatMap((n) => sizes.map((s) => [n, s, s + 8 * +patch] as const));
        const err = await withNoLeaks(() => compareWithTfjs(model, bytes, shapes));
        console.log(`${name}: max |Δ| / max |tfjs| = ${err.toExponential(2)}`);
        expect(err).toBeLessThan(1e-4);
      } finally {
        model.dispose();
      }
    });
  }

  test('writes the model metadata, opset and symbolic dims', () => {
    const model = buildPatchDiscriminator('xception_block2', { fakeClassId: 1 });
    const preprocessing = checkpointPreprocessing({ loadSize: 256, fineSize: 128 });
    const t0 = performance.now();
    const bytes = exportOnnx(model, { preprocessing });
    console.log(
      `xception_block2: exported ${bytes.length} bytes in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const onnx = decodeModel(bytes) as {
      ir_version: number;
      producer_name: string;
      opset_import: { version: number }[];
      metadata_props: { key: string; value: string }[];
      graph: { input: unknown[]; output: unknown[]; node: { op_type: string }[] };
    };
    model.dispose();
    expect(onnx.ir_version).toBe(7);
    expect(onnx.producer_name).toBe('patchfx');
    expect(onnx.opset_import[0].version).toBe(ONNX_OPSET);
    const meta = Object.fromEntries(onnx.metadata_props.map((p) => [p.key, p.value]));
    expect(meta[ONNX_METADATA_KEYS.whichModelNetD]).toBe('xception_block2');
    expect(meta[ONNX_METADATA_KEYS.fakeClassId]).toBe('1');
    expect(JSON.parse(meta[ONNX_METADATA_KEYS.normalization])).toEqual({
      scale: 255,
      mean: 0.5,
      std: 0.5,
    });
    expect(JSON.parse(meta[ONNX_METADATA_KEYS.receptiveField])).toEqual({
      rf: 43,
      jump: 8,
      offset: -18,
    });
    expect(JSON.parse(meta[ONNX_METADATA_KEYS.preprocessing])).toEqual(preprocessing);
    const dims = (v: unknown) =>
      (v as { type: { tensor_type: { shape: { dim: object[] } } } }).type.tensor_type.shape.dim;
    expect(dims(onnx.graph.input[0])).toEqual([
      { dim_param: 'batch' },
      { dim_value: 3 },
      { dim_param: 'height' },
      { dim_param: 'width' },
    ]);
    expect(dims(onnx.graph.output[0])).toEqual([
      { dim_param: 'batch' },
      { dim_value: 2 },
      { dim_param: 'logits_height' },
      { dim_param: 'logits_width' },
    ]);
    // Every BatchNorm follows a convolution here: all are folded.
    expect(onnx.graph.node.map((n) => n.op_type)).not.toContain('BatchNormalization');
  });

  test('a BatchNorm that does not follow a convolution becomes BatchNormalization', async () => {
    // Not a builder variant: a hand-made graph with a BatchNorm after a ReLU, given patchfx
    // metadata so that the exporter takes it.
    const source = buildPatchDiscriminator('xception_relu1', { seed: 2 });
    const x = input({ shape: [null, null, 3] });
    const y = new BatchNorm({ name: 'bnx' }).apply(
      layers.reLU({ name: 'r' }).apply(x),
    ) as import('@tensorflow/tfjs-layers').SymbolicTensor;
    const model = functionalModel({ inputs: x, outputs: y, name: 'bn_only' });
    model.setUserDefinedMetadata(source.getUserDefinedMetadata()!);
    source.dispose();
    const bn = model.getLayer('bnx');
    const values = [0.7, 0.2, -0.1, 1.3].map((v) => tf.fill([3], v));
    bn.setWeights(values);
    tf.dispose(values);
    try {
      const bytes = exportOnnx(model);
      const ops = (decodeModel(bytes) as { graph: { node: { op_type: string }[] } }).graph.node;
      expect(ops.map((n) => n.op_type)).toEqual(['Relu', 'BatchNormalization']);
      checkOnnx([writeOnnx('bn_only', bytes)]);
      expect(await compareWithTfjs(model, bytes, [[2, 9, 7]])).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });

  // Builds all 63 variants (ResNet-152 included) and checks ~2 GB of ONNX: once, on wasm (the
  // export's folding runs about 2.5× faster there than on cpu; the file does not depend on it).
  test.runIf(inject('backend') === 'wasm')(
    'every variant exports a file that passes the checker',
    async () => {
      const paths: string[] = [];
      const t0 = performance.now();
      for (const name of listModelNames()) {
        const model = buildPatchDiscriminator(name, { seed: 1 });
        try {
          const bytes = await withNoLeaks(() => exportOnnx(model));
          paths.push(writeOnnx(name, bytes));
        } finally {
          model.dispose();
        }
      }
      console.log(
        `built and exported ${paths.length} variants in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      checkOnnx(paths);
    },
    600_000,
  );

  test('wrong input gives a clear error', () => {
    const x = input({ shape: [null, null, 3] });
    const plain = functionalModel({ inputs: x, outputs: layers.reLU().apply(x) as never });
    expect(() => exportOnnx(plain)).toThrow(/no patchfx metadata/);
    plain.dispose();
    const model = buildPatchDiscriminator('xception_relu1');
    model.dispose();
    expect(() => exportOnnx(model)).toThrow(/was disposed/);
  });
});
