/**
 * The single-image detector: a patch discriminator plus the evaluation preprocessing, the
 * patch aggregation, a decision rule with an abstain band, explanations and reports.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { normalizeImage, type RgbImage } from '@patchfx/data';
import { aggregatePredictions } from '@patchfx/metrics';
import { METADATA_KEY, type ModelMetadata } from '../build.js';
import {
  checkpointPreprocessing,
  decodeCheckpoint,
  type CheckpointReader,
  type LoadedCheckpoint,
} from '../io/checkpoint.js';
import { foldBatchNorm, type FoldedModel } from '../fold/fold-batch-norm.js';
import { registerCustomLayers } from '../layers/register.js';
import {
  outputSize,
  patchWindow,
  receptiveField,
  type ReceptiveField,
} from '../receptive-field.js';
import type { OnnxModel, OnnxModelInfo, OnnxModelOptions } from '../onnx/index.js';
import { parseRuntime, type Runtime } from '../onnx/runtime.js';
import { isPatchModel } from '../variants.js';
import {
  chooseCalibration,
  resolveDetectorConfig,
  resolveDetectorSizes,
  type DetectorConfig,
  type OnWarning,
} from './config.js';
import {
  decisionBand,
  classifyScore,
  type DecisionBand,
  type DetectorCalibration,
} from './decision.js';
import { prepareInput, type DetectorInput, type ReadFile } from './input.js';
import {
  assignPart,
  checkPartMap,
  labelTotals,
  partMapToGrid,
  partShares,
  type PartShare,
  type PatchPart,
} from './parts.js';
import { boxToOriginal, preprocessImage, type PixelBox, type ResolvedSizes } from './preprocess.js';
import { fetchBytes, resolveUrl, urlCheckpointReader } from './reader.js';
import { buildReport, type DetectorReport, type ReportOptions } from './report.js';
import type {
  Detection,
  DetectOptions,
  ExplainedPatch,
  Explanation,
  ExplainOptions,
  ProbabilityMap,
} from './types.js';

/** Where a detector comes from (see {@link loadDetector}). */
export type DetectorSource =
  | string
  | URL
  | { readonly read: CheckpointReader; readonly where: string }
  | LoadedCheckpoint
  | tf.io.IOHandler
  | { readonly onnx: Uint8Array; readonly where?: string };

/** An exported ONNX file and what its metadata records, ready for a {@link Detector}. */
export interface LoadedOnnxModel {
  /** The file's bytes. */
  readonly bytes: Uint8Array;
  /** What the file records (`readOnnxInfo` of `@patchfx/models/onnx`). */
  readonly info: OnnxModelInfo;
}

/** Options of {@link loadDetector}: a {@link DetectorConfig} plus how to reach files. */
export interface LoadDetectorOptions extends Partial<DetectorConfig> {
  /** `fetch` for URL sources. @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Reads a file path given to `detect` (the Node loader sets it); none: paths are refused. */
  readonly readFile?: ReadFile;
  /**
   * Where warnings go: what was assumed for a checkpoint that does not record its
   * preprocessing (see `resolveDetectorSizes`).
   * @defaultValue console.warn
   */
  readonly onWarning?: OnWarning;
  /**
   * Where the model runs: `'tfjs'` (the checkpoint's model on the tfjs backend), or `'onnx'`
   * (onnxruntime, an optional peer: a checkpoint is exported to ONNX in memory, an `.onnx`
   * file runs as it is). Scores agree within float rounding (patch maps within 1e-4).
   * @defaultValue `'onnx'` for `.onnx` sources, else `'tfjs'`
   */
  readonly runtime?: Runtime;
  /**
   * onnxruntime settings for the `'onnx'` runtime: the module (a bundled browser app imports
   * `onnxruntime-web` itself and passes it as `runtime`), threads, execution providers
   * (e.g. `['webgpu', 'wasm']`).
   * @defaultValue onnxruntime-node, else onnxruntime-web, with onnxruntime's defaults
   */
  readonly onnx?: OnnxModelOptions;
}

/** What the {@link Detector} constructor takes besides the checkpoint. */
export interface DetectorInit {
  readonly config: DetectorConfig;
  readonly sizes: ResolvedSizes;
  /** The checkpoint's path or URL, for reports and messages. */
  readonly source: string | null;
  readonly readFile?: ReadFile;
  /**
   * An onnxruntime session of the model (`OnnxModel.create`): when given, it scores instead of
   * the tfjs model, and the detector owns it. Required for a {@link LoadedOnnxModel}.
   */
  readonly onnx?: OnnxModel;
}

interface Run {
  readonly detection: Detection;
  readonly imageForSegmenter: RgbImage | string;
}

const hex = (buf: ArrayBuffer) =>
  Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * A patch-forensics detector for single images. Owns its model: call `dispose()` when done.
 * Make one with {@link loadDetector} (or `loadDetectorFromPath` of `@patchfx/models/node`).
 *
 * Label convention: channel `fakeClassId` (default 0) of the model is the fake class; every
 * `score` is P(fake).
 */
export class Detector {
  /**
   * The model as loaded: what is saved, hashed and measured. Owned by the detector. With
   * `foldBatchNorm` (the default) scores come from a folded copy made at construction, so later
   * changes to this model's weights do not reach them. `null` for a detector of an `.onnx`
   * file, which has no tfjs model.
   */
  readonly model: LayersModel | null;
  /** Where scores are computed: `'tfjs'`, or `'onnx'` (onnxruntime). */
  readonly runtime: Runtime;
  /** The model's patchfx metadata (name, construction config). */
  readonly metadata: ModelMetadata;
  /** The settings in force (the calibration may change: see {@link Detector.decision}). */
  readonly config: DetectorConfig;
  /** The preprocessing sizes and where they came from. */
  readonly sizes: ResolvedSizes;
  /** The checkpoint's path or URL, when known. */
  readonly source: string | null;
  /** Whether the model outputs a patch map (`false` for full-image classifiers). */
  readonly isPatchModel: boolean;
  private readonly readFile?: ReadFile;
  /** The model with BatchNorm folded (config `foldBatchNorm`), or `null`: `model` runs as is. */
  private readonly folded: FoldedModel | null;
  /** The onnxruntime session, for the `'onnx'` runtime. */
  private readonly onnx: OnnxModel | null;
  /** The `.onnx` file's bytes when there is no tfjs model (for {@link weightsSha256}). */
  private readonly onnxBytes: Uint8Array | null;
  private readonly rf: ReceptiveField | null;
  private band: DecisionBand;
  private hash?: Promise<string>;
  private disposed = false;

  /**
   * Wraps a loaded checkpoint; prefer {@link loadDetector}. The detector takes ownership of
   * `checkpoint.model` (not of `optimizerState`).
   *
   * @throws When the model input is too small for the preprocessing size.
   */
  constructor(checkpoint: LoadedCheckpoint | LoadedOnnxModel, init: DetectorInit) {
    const fromOnnx = 'bytes' in checkpoint;
    if (fromOnnx && !init.onnx) {
      throw new Error(
        'Detector: an ONNX model needs its onnxruntime session (init.onnx); use loadDetector',
      );
    }
    this.model = fromOnnx ? null : checkpoint.model;
    this.metadata = fromOnnx ? checkpoint.info.metadata : checkpoint.metadata;
    this.onnx = init.onnx ?? null;
    this.onnxBytes = fromOnnx ? checkpoint.bytes : null;
    this.runtime = this.onnx ? 'onnx' : 'tfjs';
    this.config = init.config;
    this.sizes = init.sizes;
    this.source = init.source;
    this.readFile = init.readFile;
    this.isPatchModel = isPatchModel(this.metadata.config);
    this.rf = !this.isPatchModel
      ? null
      : this.model
        ? receptiveField(this.model)
        : (checkpoint as LoadedOnnxModel).info.receptiveField;
    if (this.isPatchModel && this.model) outputSize(this.model, this.sizes.loadSize);
    this.folded =
      init.config.foldBatchNorm && this.model && !this.onnx ? foldBatchNorm(this.model) : null;
    this.band = decisionBand(
      init.config.threshold,
      init.config.abstainOddsRatio,
      init.config.calibration,
    );
  }

  /** The model's reference name, e.g. `'xception_block2'`. */
  get name(): string {
    return this.metadata.whichModelNetD;
  }

  /** Channel of the fake class in the model's output. */
  get fakeClassId(): 0 | 1 {
    return this.metadata.config.fakeClassId;
  }

  /** The decision rule in force: threshold, abstain band and calibration. */
  get decision(): DecisionBand {
    return this.band;
  }

  /** The receptive field of a patch model, `null` for a full-image model. */
  get receptiveField(): ReceptiveField | null {
    return this.rf && { ...this.rf };
  }

  /**
   * Sets (or clears, with `null`) the calibration; {@link calibrateDetector} calls it.
   *
   * @param calibration - A threshold fitted on known-real images.
   * @param abstainOddsRatio - A new band width. @defaultValue the current one
   */
  setCalibration(
    calibration: DetectorCalibration | null,
    abstainOddsRatio = this.band.abstainOddsRatio ?? this.config.abstainOddsRatio,
  ): void {
    this.band = decisionBand(this.config.threshold, abstainOddsRatio, calibration);
  }

  private check(): void {
    if (this.disposed) throw new Error('this detector was disposed');
  }

  private async run(input: DetectorInput, options: DetectOptions): Promise<Run> {
    this.check();
    const prepared = await prepareInput(input, this.readFile);
    const { input: image, preprocessing } = await preprocessImage(
      prepared.image,
      prepared.kind,
      this.sizes,
      this.isPatchModel,
    );
    const side = preprocessing.inputSize;
    const pixels = normalizeImage(image);
    const { averageMode } = this.config;
    const onnxOut = this.onnx ? await this.predictOnnx(pixels, side) : null;
    this.check();
    const [aggregated, probabilities] = tf.tidy(() => {
      const logits = onnxOut
        ? tf.tensor(onnxOut.data, onnxOut.shape)
        : this.predictTfjs(tf.tensor4d(pixels, [1, side, side, 3]));
      return [
        aggregatePredictions(logits, averageMode),
        logits.rank === 4 ? tf.softmax(logits) : logits,
      ];
    });
    let row: Float32Array;
    let probs: Float32Array;
    const shape = probabilities.shape;
    try {
      row = (await aggregated.data()) as Float32Array;
      probs = (await probabilities.data()) as Float32Array;
    } finally {
      aggregated.dispose();
      probabilities.dispose();
    }
    const fake = this.fakeClassId;
    const score = row[fake];
    let patchMap: ProbabilityMap | null = null;
    if (this.isPatchModel) {
      const [, h, w] = shape;
      const data = new Float32Array(h * w);
      for (let k = 0; k < data.length; k++) data[k] = probs[2 * k + fake];
      patchMap = { data, height: h, width: w };
    }
    const detection: Detection = {
      score,
      label: classifyScore(score, this.band),
      patchMap,
      averageMode,
      preprocessing,
      decision: this.band,
    };
    options.onModelInput?.(image);
    return {
      detection,
      imageForSegmenter: typeof input === 'string' ? input : prepared.image,
    };
  }

  private predictTfjs(x: tf.Tensor4D): tf.Tensor {
    if (this.folded) return this.folded.predict(x);
    return this.model!.predict(x) as tf.Tensor;
  }

  private async predictOnnx(
    pixels: Float32Array,
    side: number,
  ): Promise<{ data: Float32Array; shape: number[] }> {
    try {
      return await this.onnx!.predictAsync(pixels, [1, side, side, 3]);
    } catch (e) {
      throw new Error(
        `onnxruntime could not run '${this.name}' on a ${side}×${side} input: ${(e as Error).message}` +
          (side < 32
            ? ' (the input may be smaller than the model allows: pass a larger loadSize)'
            : ''),
        { cause: e },
      );
    }
  }

  /**
   * Scores one image: P(fake), its label, the patch map and what preprocessing was done.
   *
   * Preprocessing is the evaluation pipeline (spec §3.4): decode to RGB, resize the shorter
   * side to `loadSize` (PIL-exact Lanczos), centre crop (`loadSize` for patch models,
   * `fineSize` for full models), `(x / 255 − 0.5) / 0.5`. The same pixels give the same score
   * in Node and in a browser on the same backend.
   *
   * @param input - See {@link DetectorInput}. Tensors are read, not disposed.
   * @param options - See {@link DetectOptions}.
   * @returns Plain values; no tensor is kept.
   * @throws On a bad input (see {@link DetectorInput}), or after `dispose()`.
   */
  async detect(input: DetectorInput, options: DetectOptions = {}): Promise<Detection> {
    return (await this.run(input, options)).detection;
  }

  /**
   * Scores one image and returns its `topk` strongest patches with their receptive-field
   * windows (model-input pixels, and mapped back to the original image) and, with a
   * `segmenter`, the face parts each window shows: every part's share of the window
   * (`parts`, largest first), the part filling most of it (`dominantPart`), and the reference's
   * pick (`part`: the part with the largest share of its own area inside the window).
   *
   * Patches are ranked by P(`target`) descending; ties go to the first in row-major order.
   *
   * @param input - See {@link DetectorInput}.
   * @param options - See {@link ExplainOptions}.
   * @returns Plain values.
   * @throws For a full-image model (it has no patches), a bad `topk`, or what `detect` throws.
   */
  async explain(input: DetectorInput, options: ExplainOptions = {}): Promise<Explanation> {
    this.check();
    if (!this.isPatchModel) {
      throw new Error(
        `explain needs a patch model; '${this.name}' is a full-image classifier with no patch map (use detect)`,
      );
    }
    const topk = options.topk ?? this.config.topk;
    if (!(Number.isInteger(topk) && topk >= 1)) {
      throw new Error(`topk must be a positive integer, got ${JSON.stringify(topk)}`);
    }
    const target = options.target ?? 'fake';
    if (target !== 'fake' && target !== 'real') {
      throw new Error(`target must be one of 'fake' | 'real', got ${JSON.stringify(target)}`);
    }
    const { detection, imageForSegmenter } = await this.run(input, options);
    const map = detection.patchMap!;
    const side = detection.preprocessing.inputSize;
    const rf = this.rf!;
    const value = (k: number) => (target === 'fake' ? map.data[k] : 1 - map.data[k]);
    const order = Array.from(map.data.keys()).sort((a, b) => value(b) - value(a) || a - b);
    let parts: ((box: PixelBox) => PatchPart | null) | undefined;
    let shares: ((box: PixelBox) => PartShare[]) | undefined;
    if (options.segmenter) {
      const raw = await options.segmenter.segment(imageForSegmenter, { inputSize: side });
      checkPartMap(raw);
      const grid = partMapToGrid(raw, this.sizes.loadSize, side);
      const totals = labelTotals(grid);
      parts = (box) => assignPart(grid, box, totals, options.partGroup);
      shares = (box) => partShares(grid, box, options.partGroup);
    }
    const patches = order.slice(0, topk).map((k, r): ExplainedPatch => {
      const i = Math.floor(k / map.width);
      const j = k % map.width;
      const window = patchWindow(rf, i, j, side);
      const inWindow = shares ? shares(window) : [];
      return {
        rank: r + 1,
        row: i,
        col: j,
        score: map.data[k],
        window,
        originalBox: boxToOriginal(window, detection.preprocessing),
        part: parts ? parts(window) : null,
        parts: inWindow,
        dominantPart: inWindow[0] ?? null,
      };
    });
    return { ...detection, patches, receptiveField: rf, segmented: parts !== undefined, target };
  }

  /**
   * A JSON report of one image (schema: `docs/report.schema.json`): score, label, patch map,
   * top patches with boxes and parts, model name and weights hash, preprocessing, patchfx
   * version. Full-image models get `patchMap: null` and no patches.
   *
   * @param input - See {@link DetectorInput}.
   * @param options - {@link ExplainOptions} plus the image's name and the report's time. The
   *   report holds no pixels: `onModelInput` hands the model-input image over instead.
   * @returns A plain object; `JSON.stringify` it to save it.
   * @throws What `detect` throws; when Web Crypto (`crypto.subtle`) is unavailable.
   */
  async report(input: DetectorInput, options: ReportOptions = {}): Promise<DetectorReport> {
    this.check();
    const result = this.isPatchModel
      ? await this.explain(input, options)
      : {
          ...(await this.detect(input, options)),
          patches: [],
          segmented: false,
          target: 'fake' as const,
        };
    const name =
      options.name ??
      (typeof input === 'string'
        ? input
        : typeof Blob !== 'undefined' &&
            input instanceof Blob &&
            typeof (input as File).name === 'string'
          ? (input as File).name
          : null);
    return buildReport(result, {
      name,
      createdAt: options.createdAt ?? new Date(),
      model: {
        name: this.name,
        source: this.source,
        fakeClassId: this.fakeClassId,
        weightsSha256: await this.weightsSha256(),
        receptiveField: this.receptiveField,
      },
    });
  }

  /**
   * SHA-256 (hex) of the model's weights as `model.save` writes them: the float32 values in
   * the weights-manifest order, i.e. the bytes of the checkpoint's `weights.bin`
   * (`sha256sum weights.bin` gives the same). A detector of an `.onnx` file has no tfjs weights:
   * its hash is of the file (`sha256sum model.onnx`).
   *
   * @throws When Web Crypto (`crypto.subtle`) is unavailable (a browser page not served from
   *   a secure context such as https or 127.0.0.1).
   */
  weightsSha256(): Promise<string> {
    this.check();
    if (!this.hash) {
      this.hash = (async () => {
        const subtle = globalThis.crypto?.subtle;
        if (!subtle) {
          throw new Error(
            'Web Crypto (crypto.subtle) is unavailable: serve the page from https or localhost/127.0.0.1',
          );
        }
        if (!this.model)
          return hex(await subtle.digest('SHA-256', new Uint8Array(this.onnxBytes!)));
        let data: tf.io.WeightData | undefined;
        await this.model.save(
          tf.io.withSaveHandler(async (artifacts) => {
            data = artifacts.weightData;
            return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
          }),
        );
        if (!data) throw new Error('the model has no weights to hash');
        return hex(await subtle.digest('SHA-256', tf.io.CompositeArrayBuffer.join(data)));
      })();
      this.hash.catch(() => (this.hash = undefined));
    }
    return this.hash;
  }

  /**
   * Frees the model (and releases the onnxruntime session). The detector cannot be used
   * afterwards. Calling it twice is harmless.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.folded?.dispose();
    this.model?.dispose();
    void this.onnx?.dispose().catch(() => {});
  }
}

/**
 * Throws at once, naming the fix, when the app has no tfjs backend (tfjs itself would fail
 * later, deep inside tfjs-layers, with a bare "No backend found in registry").
 */
function assertBackendRegistered(): void {
  if (tf.engine().backendNames().length > 0) return;
  throw new Error(
    "no TensorFlow.js backend is registered, so the detector's model cannot run. Choose one first: " +
      "`import { useBackend } from '@patchfx/models/backend'; await useBackend('wasm');` " +
      "(with @tensorflow/tfjs-backend-wasm installed; 'tensorflow' for tfjs-node, 'cpu' for tfjs-backend-cpu), " +
      "or import a backend package yourself (in a browser e.g. '@tensorflow/tfjs-backend-webgl'). " +
      "In Node, loadDetectorFromPath of '@patchfx/models/node' starts the best installed one itself.",
  );
}

/** Whether a URL (string or `URL`) names an `.onnx` file. */
function isOnnxUrl(source: string | URL): boolean {
  const text = String(source);
  let path = text;
  try {
    path = new URL(text, 'file:///').pathname;
  } catch {
    // not a URL: urlCheckpointReader names the problem
  }
  return path.toLowerCase().endsWith('.onnx');
}

/** Fetches an `.onnx` file. */
async function fetchOnnx(
  source: string | URL,
  fetchFn?: typeof fetch,
): Promise<{ bytes: Uint8Array; where: string }> {
  const { href } = resolveUrl(source, 'an .onnx file');
  const bytes = await fetchBytes(href, fetchFn);
  if (!bytes) {
    throw new Error(
      `cannot fetch '${href}': HTTP 404 (no ONNX file there: export one with \`npm run export-onnx\`)`,
    );
  }
  return { bytes, where: href };
}

function isLoadedCheckpoint(x: unknown): x is LoadedCheckpoint {
  return typeof x === 'object' && x !== null && 'model' in x && 'metadata' in x && 'manifest' in x;
}

/**
 * Loads a detector.
 *
 * Sources:
 * - a URL (string or `URL`; relative ones resolve against the page) of a checkpoint folder
 *   served as static files — the browser path;
 * - `{ read, where }`: any {@link CheckpointReader} (e.g. `memoryCheckpointReader` over files a
 *   person picked);
 * - a {@link LoadedCheckpoint} (`loadCheckpoint` of `@patchfx/models/node`); the detector takes
 *   ownership of its model;
 * - a `tf.io.IOHandler` for a patchfx `model.json` + weights.
 * - an exported ONNX file (`npm run export-onnx`, `exportOnnx`): a URL whose path ends in
 *   `.onnx`, or `{ onnx: bytes, where? }`. It runs on onnxruntime and needs no tfjs model: the
 *   file's metadata gives the model name, receptive field, preprocessing and calibration.
 * In Node, `loadDetectorFromPath(folder or file.onnx)` of `@patchfx/models/node` reads files.
 *
 * Runtime: `runtime: 'onnx'` runs a checkpoint on onnxruntime (exported in memory); see
 * {@link LoadDetectorOptions.runtime}. A tfjs backend must be registered either way (the
 * patch aggregation runs on it).
 *
 * Preprocessing size: `options.loadSize`/`fineSize`, else what the checkpoint records (its
 * `checkpoint.json`: the train and convert programs write it), else the `loadSize`/`fineSize`
 * of an `opt.yml` in the checkpoint folder or its parent (the run folder), else the
 * architecture's reference size (`referenceSizes`); the last two warn (`onWarning`) that the
 * size was assumed. `detection.preprocessing` records which (`sizeSource`).
 *
 * Decision: the checkpoint's stored calibration (the train program fits one on its validation
 * split), unless `calibration` or `threshold` is given (see `chooseCalibration`).
 *
 * @param source - See above.
 * @param options - {@link DetectorConfig} fields, `fetch`, `readFile`.
 * @returns The detector, owned by the caller (`dispose()` it).
 * @throws When the checkpoint is missing or damaged, has no patchfx metadata, an option is
 *   invalid, or the input size is too small for the model.
 *
 * @example
 * ```ts doctest
 * import { buildPatchDiscriminator, encodeCheckpoint } from '@patchfx/models';
 * import { loadDetector, memoryCheckpointReader } from '@patchfx/models/detector';
 * const model = buildPatchDiscriminator('xception_block1', { seed: 1 });
 * const files = await encodeCheckpoint({ model });
 * model.dispose();
 * const detector = await loadDetector({ read: memoryCheckpointReader(files), where: 'memory' }, { loadSize: 32 });
 * const pixels = { data: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32 };
 * const { score, patchMap } = await detector.detect(pixels);
 * [score > 0 && score < 1, patchMap?.height]; // => [true, 7]
 * detector.dispose();
 * ```
 */
export async function loadDetector(
  source: DetectorSource,
  options: LoadDetectorOptions = {},
): Promise<Detector> {
  assertBackendRegistered();
  const {
    fetch: fetchFn,
    readFile,
    onWarning = console.warn,
    runtime: runtimeOption,
    onnx: onnxOptions,
    ...rest
  } = options;
  const config = resolveDetectorConfig(rest);
  const runtime = runtimeOption === undefined ? undefined : parseRuntime(runtimeOption);
  const onnxFile =
    typeof (source as { onnx?: unknown }).onnx === 'object'
      ? {
          bytes: (source as { onnx: Uint8Array }).onnx,
          where: (source as { where?: string }).where ?? null,
        }
      : (typeof source === 'string' || source instanceof URL) && isOnnxUrl(source)
        ? await fetchOnnx(source, fetchFn)
        : null;
  if (onnxFile) {
    if (runtime === 'tfjs') {
      throw new Error(
        `${onnxFile.where ?? 'an ONNX file'} runs on onnxruntime: drop runtime 'tfjs', or load the checkpoint folder it was exported from`,
      );
    }
    const { readOnnxInfo, OnnxModel } = await import('../onnx/index.js');
    const info = readOnnxInfo(onnxFile.bytes, onnxFile.where ?? undefined);
    const sizes = await resolveDetectorSizes(
      config,
      { metadata: info.metadata, manifest: { preprocessing: info.preprocessing } },
      null,
      onnxFile.where,
      onWarning,
    );
    const calibration = chooseCalibration(rest, info.calibration);
    const session = await OnnxModel.create(onnxFile.bytes, onnxOptions);
    try {
      return new Detector(
        { bytes: onnxFile.bytes, info },
        {
          config: { ...config, calibration },
          sizes,
          source: onnxFile.where,
          readFile,
          onnx: session,
        },
      );
    } catch (e) {
      await session.dispose();
      throw e;
    }
  }
  let checkpoint: LoadedCheckpoint;
  let where: string | null;
  let read: CheckpointReader | null = null;
  if (typeof source === 'string' || source instanceof URL) {
    const reader = urlCheckpointReader(source, { fetch: fetchFn });
    where = reader.url;
    read = reader.read;
    checkpoint = await decodeCheckpoint(reader.read, reader.url);
  } else if (isLoadedCheckpoint(source)) {
    checkpoint = source;
    where = null;
  } else if (typeof (source as { read?: unknown }).read === 'function') {
    const s = source as { read: CheckpointReader; where: string };
    where = s.where;
    read = s.read;
    checkpoint = await decodeCheckpoint(s.read, s.where);
  } else if (typeof (source as tf.io.IOHandler).load === 'function') {
    registerCustomLayers();
    const model = await loadLayersModel(source as tf.io.IOHandler);
    const metadata = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.[
      METADATA_KEY
    ] as ModelMetadata | undefined;
    if (!metadata) {
      model.dispose();
      throw new Error(
        'the model has no patchfx metadata: load a model.json written by patchfx (a checkpoint folder)',
      );
    }
    where = null;
    checkpoint = {
      model,
      metadata,
      manifest: {
        format: 'patchfx-checkpoint',
        version: 1,
        whichModelNetD: metadata.whichModelNetD,
        hasOptimizer: false,
        savedAt: '',
        state: {},
      },
    };
  } else {
    throw new Error(
      'loadDetector: source must be a URL, { read, where }, a loaded checkpoint, a tf.io.IOHandler or { onnx: bytes }',
    );
  }
  let session: OnnxModel | undefined;
  try {
    const sizes = await resolveDetectorSizes(config, checkpoint, read, where, onWarning);
    const calibration = chooseCalibration(rest, checkpoint.manifest.calibration);
    if (runtime === 'onnx') {
      const { exportOnnx, OnnxModel } = await import('../onnx/index.js');
      const bytes = exportOnnx(checkpoint.model, {
        preprocessing: checkpointPreprocessing(sizes),
      });
      session = await OnnxModel.create(bytes, onnxOptions);
    }
    return new Detector(checkpoint, {
      config: { ...config, calibration },
      sizes,
      source: where,
      readFile,
      ...(session ? { onnx: session } : {}),
    });
  } catch (e) {
    checkpoint.model.dispose();
    await session?.dispose();
    throw e;
  }
}
