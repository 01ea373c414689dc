import type { LayersModel } from '@tensorflow/tfjs-layers';
import { convOutputSize, isGeometricLayer } from './layers/geometry.js';

/**
 * Receptive-field geometry of a patch model's output map (spec §1.7): output index `i` sees
 * input pixels `[offset + i·jump, offset + i·jump + rf − 1]` (before clipping to the image).
 */
export interface ReceptiveField {
  /** Window size in input pixels. */
  readonly rf: number;
  /** Output stride in input pixels. */
  readonly jump: number;
  /** Start of output index 0's window (≤ 0 where padding is involved). */
  readonly offset: number;
}

interface Trace extends ReceptiveField {
  /** Map size along one axis for a given input size. */
  readonly size: (input: number) => number;
}

const cache = new WeakMap<LayersModel, Trace>();

function trace(model: LayersModel): Trace {
  const hit = cache.get(model);
  if (hit) return hit;
  const state = new Map<string, Trace>();
  for (const layer of model.layers) {
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length === 0) {
      state.set(layer.name, { rf: 1, jump: 1, offset: 0, size: (n) => n });
      continue;
    }
    const ins = inbound.map((l) => {
      const s = state.get(l.name);
      if (!s) throw new Error(`receptive field: layer '${l.name}' not yet visited`);
      return s;
    });
    if (/GlobalAveragePooling|GlobalMaxPooling|Flatten/.test(layer.getClassName())) {
      throw new Error(
        `model '${model.name}' is a full-image classifier (layer '${layer.name}' pools globally): it has no patch map`,
      );
    }
    if (ins.length > 1) {
      const jump = ins[0].jump;
      if (ins.some((s) => s.jump !== jump)) {
        throw new Error(`receptive field: inputs of '${layer.name}' have different strides`);
      }
      const offset = Math.min(...ins.map((s) => s.offset));
      const end = Math.max(...ins.map((s) => s.offset + s.rf - 1));
      state.set(layer.name, { rf: end - offset + 1, jump, offset, size: ins[0].size });
      continue;
    }
    const s = ins[0];
    if (isGeometricLayer(layer)) {
      const g = layer.geometry();
      state.set(layer.name, {
        rf: s.rf + (g.kernel - 1) * s.jump,
        jump: s.jump * g.stride,
        offset: s.offset - g.pad * s.jump,
        size: (n) => convOutputSize(s.size(n), g),
      });
    } else {
      state.set(layer.name, s);
    }
  }
  const out = state.get(model.outputLayers[0].name);
  if (!out) throw new Error(`receptive field: no output layer in '${model.name}'`);
  cache.set(model, out);
  return out;
}

/**
 * The receptive field, stride and offset of a patch model, derived by walking its layer graph
 * (convolutions and pools on every path; residual sums take the union of their inputs'
 * windows, which for these nets is the main path).
 *
 * @throws For full-image classifiers, which have no patch map.
 */
export function receptiveField(model: LayersModel): ReceptiveField {
  const { rf, jump, offset } = trace(model);
  return { rf, jump, offset };
}

/**
 * The patch-map size `[H, W]` a patch model produces for an input of `inputSize`
 * (a number for square inputs, or `[h, w]`).
 *
 * @throws When the input is too small to give at least one patch.
 */
export function outputSize(
  model: LayersModel,
  inputSize: number | readonly [number, number],
): [number, number] {
  const [h, w] = typeof inputSize === 'number' ? [inputSize, inputSize] : inputSize;
  const t = trace(model);
  const out: [number, number] = [t.size(h), t.size(w)];
  if (!(out[0] >= 1 && out[1] >= 1)) {
    throw new Error(
      `input ${h}×${w} is too small for '${model.name}' (map would be ${out[0]}×${out[1]})`,
    );
  }
  return out;
}

/** The input window of one patch, clipped to the image. Ends are exclusive. */
export interface PatchWindow {
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
  /** Unclipped start row (may be negative): where the rf×rf window truly begins. */
  readonly rawTop: number;
  /** Unclipped start column (may be negative). */
  readonly rawLeft: number;
  /** Receptive field (the unclipped window's side). */
  readonly rf: number;
}

/**
 * The input box seen by output location (i, j) (row, column) for a given input size,
 * clipped to the image (spec §1.7, §6).
 *
 * @param geometry - A patch model, or its {@link ReceptiveField}.
 * @param inputSize - Input side (square) or `[h, w]`.
 */
export function patchWindow(
  geometry: LayersModel | ReceptiveField,
  i: number,
  j: number,
  inputSize: number | readonly [number, number],
): PatchWindow {
  const { rf, jump, offset } = 'rf' in geometry ? geometry : receptiveField(geometry);
  const [h, w] = typeof inputSize === 'number' ? [inputSize, inputSize] : inputSize;
  const rawTop = offset + i * jump;
  const rawLeft = offset + j * jump;
  return {
    top: Math.max(0, rawTop),
    left: Math.max(0, rawLeft),
    bottom: Math.min(h, rawTop + rf),
    right: Math.min(w, rawLeft + rf),
    rawTop,
    rawLeft,
    rf,
  };
}
