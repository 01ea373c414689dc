/**
 * Tensors ⇄ {@link PackedTensors}: how weights, gradients and statistics cross threads. Every
 * packed buffer is a fresh copy (never a view of a backend's memory), so it can be transferred.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { BatchNorm } from '../../layers/batch-norm.js';
import type { LayerStatistics, PackedTensors } from './protocol.js';

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Packs named float32 tensors (read asynchronously). The tensors are not disposed. */
export async function packTensors(
  tensors: ReadonlyArray<readonly [string, tf.Tensor]>,
): Promise<PackedTensors> {
  const values = await Promise.all(tensors.map(([, t]) => t.data()));
  const data = new Float32Array(values.reduce((a, v) => a + v.length, 0));
  let offset = 0;
  for (const v of values) {
    data.set(v as Float32Array, offset);
    offset += v.length;
  }
  return {
    names: tensors.map(([n]) => n),
    shapes: tensors.map(([, t]) => [...t.shape]),
    data,
  };
}

/**
 * The packed tensors as views of `packed.data`, by name, with their shapes.
 *
 * @throws When the sizes do not add up to the buffer.
 */
export function unpackTensors(
  packed: PackedTensors,
): Map<string, { readonly shape: readonly number[]; readonly values: Float32Array }> {
  const out = new Map<string, { shape: readonly number[]; values: Float32Array }>();
  let offset = 0;
  packed.names.forEach((name, i) => {
    const shape = packed.shapes[i];
    const size = sizeOf(shape);
    out.set(name, { shape, values: packed.data.subarray(offset, offset + size) });
    offset += size;
  });
  if (offset !== packed.data.length) {
    throw new Error(
      `packed tensors hold ${packed.data.length} values, their shapes ${offset}: corrupt message`,
    );
  }
  return out;
}

/** Every weight of the model (trainable ones and BatchNorm moving statistics), by stable name. */
export function readWeights(model: LayersModel): Promise<PackedTensors> {
  return packTensors(model.weights.map((w) => [w.originalName, w.read()] as const));
}

/**
 * Overwrites every weight of `model` with the packed values (by stable name).
 *
 * @throws Naming the first weight that is missing on either side or whose size differs: the
 *   replica was built from a config that does not describe the sender's model.
 */
export function writeWeights(model: LayersModel, packed: PackedTensors): void {
  const values = unpackTensors(packed);
  if (values.size !== model.weights.length) {
    throw new Error(
      `the replica of '${model.name}' has ${model.weights.length} weights, the model sent ${values.size}; ` +
        `does the model's patchfx metadata describe its layers?`,
    );
  }
  for (const w of model.weights) {
    const v = values.get(w.originalName);
    if (!v || v.values.length !== sizeOf(w.shape as number[])) {
      throw new Error(
        `the replica of '${model.name}' has weight '${w.originalName}' [${w.shape.join(', ')}], ` +
          (v ? `the model sent [${v.shape.join(', ')}]` : 'the model sent no such weight') +
          `; does the model's patchfx metadata describe its layers?`,
      );
    }
  }
  tf.tidy(() => {
    for (const w of model.weights) {
      const v = values.get(w.originalName)!;
      w.write(tf.tensor(v.values, w.shape as number[], 'float32'));
    }
  });
}

/** The accumulated statistics of every BatchNorm layer that has some (copies). */
export async function readStatistics(layers: readonly BatchNorm[]): Promise<LayerStatistics[]> {
  const out: LayerStatistics[] = [];
  for (const layer of layers) {
    const s = await layer.readAccumulation();
    if (s) out.push({ layer: layer.name, ...s });
  }
  return out;
}

/**
 * Adds replicas' statistics to the matching layers' accumulations (by layer name).
 *
 * @throws When a layer of that name is not among `layers`.
 */
export function mergeStatistics(
  layers: readonly BatchNorm[],
  statistics: readonly LayerStatistics[],
): void {
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const s of statistics) {
    const layer = byName.get(s.layer);
    if (!layer) throw new Error(`a replica sent statistics of an unknown BatchNorm '${s.layer}'`);
    layer.mergeAccumulation(s);
  }
}
