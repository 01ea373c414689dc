/**
 * bench: training and inference throughput of the patch models on one backend — images/s,
 * GFLOP/s achieved, % of the machine's measured matmul peak, peak RSS — written as JSON and a
 * Markdown table to `bench-results/`. With `--torch`, the same models in PyTorch (Debian's
 * python3-torch, 2 threads) on the same machine in the same run, and the ratio. With
 * `--program`, the whole `npm run train` program against the bare step rate. Training and
 * inference are timed on one thread and, data-parallel, on `--workers` threads.
 *
 *   npm run bench                       # wasm, xception_block1/2/3 and resnet18_layer1
 *   npm run bench -- --torch --program
 *   npm run bench -- --smoke            # seconds (CI)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { evalTransform, normalizeImage, resolveTransformConfig } from '@patchfx/data';
import { discoverImages, initNodeCodecs, loadImageFile } from '@patchfx/data/node';
import { synthesizeDataset } from '@patchfx/segment/node';
import {
  buildPatchDiscriminator,
  countFlops,
  foldBatchNorm,
  referenceSizes,
  resolveModelConfig,
} from '@patchfx/models';
import { Adam, planMicroBatch, trainStep } from '@patchfx/models/train';
import { simdKernelsActive } from '@patchfx/models/backend';
import { createDataParallel, type DataParallel } from '@patchfx/models/node';
import { exportOnnx, loadOnnxRuntime, OnnxModel } from '@patchfx/models/onnx';
import { encodeSafetensors } from '@patchfx/models/torch';
import {
  BACKEND_OPTION,
  parseOptions,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  workerCount,
  SMOKE_SIZES,
  withSmoke,
} from '@patchfx/example-common';
import {
  BENCH_WEIGHTS,
  initScaled,
  magnitude,
  WEIGHTS_NOTE,
  type BenchWeights,
} from './weights.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

interface Row {
  model: string;
  size: number;
  input: 'random' | 'real';
  backend: string;
  batch: number;
  microBatch: number | null;
  /** One thread. */
  trainImagesPerSecond: number | null;
  /** Inference with BatchNorm folded into the convolutions (what evaluate and the detector run). */
  inferImagesPerSecond: number | null;
  /** Inference of the model as trained (`model.predict`, BatchNorm layers run). */
  inferAsTrainedImagesPerSecond: number | null;
  /** Threads of the data-parallel timings (1: none were made). */
  workers: number;
  /** Data-parallel on `workers` threads (`createDataParallel`, synchronised BatchNorm). */
  parallelTrainImagesPerSecond: number | null;
  /** The same with each thread's BatchNorm on its own part (`batchNorm: 'local'`; `--bn_cost`). */
  parallelTrainLocalImagesPerSecond?: number | null;
  parallelInferImagesPerSecond: number | null;
  trainGflops: number | null;
  inferGflops: number | null;
  trainPctPeak: number | null;
  inferPctPeak: number | null;
  forwardGflopPerImage: number;
  peakRssMb: number;
  torchTrainImagesPerSecond?: number;
  torchInferImagesPerSecond?: number;
  /** PyTorch, one image per call, in milliseconds. */
  torchLatencyMs?: number;
  /** The memory layouts of PyTorch's fastest inference at the batch and at one image. */
  torchInferLayout?: string;
  torchLatencyLayout?: string;
  /** Largest |PyTorch logit − onnxruntime logit| over the batch: the same weights and input. */
  torchOnnxMaxDiff?: number;
  /** patchfx (BatchNorm folded), one image per call on one thread, in milliseconds. */
  inferLatencyMs: number | null;
  /** Largest |logit| of the folded model's output over the batch, and its count of subnormal floats. */
  outputMaxAbs: number | null;
  outputSubnormal: number | null;
  /** The model exported to ONNX, in onnxruntime-node on `workers` threads (`--onnx`). */
  onnxInferImagesPerSecond?: number | null;
  /** The same, one image per call: an app's latency, in milliseconds. */
  onnxLatencyMs?: number | null;
  /**
   * The onnxruntime session alone, given the NCHW batch as PyTorch is (no NHWC ↔ NCHW
   * conversion, which `OnnxModel.predictAsync` does in JavaScript), at the batch and at one image.
   */
  onnxSessionImagesPerSecond?: number | null;
  onnxSessionLatencyMs?: number | null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** What `time` reports of its repetitions (`--stat`): the median, or the fastest. */
const STATS = ['median', 'best'] as const;
let stat: (typeof STATS)[number] = 'median';

/**
 * Median (or with `--stat best`, fastest) seconds of `reps` calls after a warm-up call (kernel set-up, XNNPACK operator caches,
 * memory growth). With `settle`, more warm-up calls, until the time stops changing: on a new
 * worker thread V8 runs wasm as baseline code and optimises it function by function once hot,
 * so a new thread's first ~10 calls can run up to 2× slower.
 */
async function time(fn: () => Promise<unknown>, reps: number, settle = false): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  let last = await once();
  // settle: warm up until two calls in a row agree within 5 % (at most 20 calls or ~15 s: on a
  // busy machine they may never agree).
  const until = performance.now() + 15_000;
  for (let i = 0; settle && i < 20 && performance.now() < until; i++) {
    const t = await once();
    if (Math.abs(t - last) < 0.05 * last) break;
    last = t;
  }
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return stat === 'best' ? Math.min(...ts) : median(ts);
}

/** Single-thread n×n×n matmul peak of this backend (GFLOP/s), the reference for "% of peak". */
async function matmulPeak(n: number): Promise<number> {
  const [a, b] = tf.tidy(() => [
    tf.randomNormal([n, n], 0, 1, 'float32', 1),
    tf.randomNormal([n, n], 0, 1, 'float32', 2),
  ]);
  const s = await time(async () => {
    const c = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
    await c.data();
    c.dispose();
  }, 5);
  tf.dispose([a, b]);
  return (2 * n * n * n) / s / 1e9;
}

async function realBatch(
  n: number,
  size: number,
  dirs: { real: string; fake: string },
): Promise<Float32Array> {
  await initNodeCodecs();
  const [r, f] = await Promise.all([discoverImages(dirs.real), discoverImages(dirs.fake)]);
  const files = [...r.files.slice(0, n / 2), ...f.files.slice(0, n / 2)];
  const t = resolveTransformConfig({ loadSize: size, fineSize: size });
  const out = new Float32Array(n * size * size * 3);
  for (let i = 0; i < n; i++)
    normalizeImage(
      await evalTransform(await loadImageFile(files[i % files.length]), t),
      out,
      i * size * size * 3,
    );
  return out;
}

async function main(argv: readonly string[]): Promise<number | void> {
  const { values } = parseOptions(
    {
      backend: BACKEND_OPTION,
      models: {
        type: 'list',
        default: ['xception_block1', 'xception_block2', 'xception_block3', 'resnet18_layer1'],
        help: 'models',
      },
      sizes: {
        type: 'list',
        default: [],
        help: 'input sizes (default: 128 and 299; 224 for resnet)',
      },
      batch: {
        type: 'number',
        default: 32,
        help: 'images per training batch (half real, half fake)',
      },
      reps: { type: 'number', default: 3, help: 'timed repetitions (median)' },
      real: {
        type: 'boolean',
        default: false,
        help: 'also time batches of real images (faces-dev if present, else synthetic)',
      },
      torch: {
        type: 'boolean',
        default: false,
        help: 'also run the PyTorch models (needs /usr/bin/python3 with torch)',
      },
      program: {
        type: 'boolean',
        default: false,
        help: 'also time the whole train program against the bare step rate',
      },
      workers: {
        type: 'string',
        default: 'auto',
        help: "threads of the data-parallel timings, this one included ('auto': 2 on wasm with ≥ 2 cores, else 1; 1: one thread only)",
      },
      onnx: {
        type: 'boolean',
        default: false,
        help: 'also time inference in onnxruntime-node (the model exported to ONNX; an optional peer) on --workers threads, at the batch and at one image',
      },
      weights: {
        type: 'string',
        default: 'scaled',
        choices: BENCH_WEIGHTS,
        help: "weights timed, the same in every engine: 'scaled' (PyTorch's default initialisation; activations at a trained model's scale) or 'reference' (xavier gain 0.02; activations shrink layer after layer)",
      },
      torch_layouts: {
        type: 'list',
        default: ['nchw', 'channels_last'],
        help: "memory layouts PyTorch's inference is timed in (nchw, channels_last); its figure is the fastest",
      },
      stat: {
        type: 'string',
        default: 'median',
        choices: STATS,
        help: "what a timing reports of its --reps repetitions: 'median', or 'best' (the fastest: the closest to a quiet machine when other processes share the cores)",
      },
      infer_only: {
        type: 'boolean',
        default: false,
        help: 'time inference only (no training steps): with --onnx --torch, the onnxruntime table in minutes',
      },
      bn_cost: {
        type: 'boolean',
        default: false,
        help: "also time the data-parallel step with each thread's BatchNorm alone (batchNorm: 'local'): the cost of synchronised BatchNorm",
      },
      smoke: SMOKE_OPTION,
      out: { type: 'string', default: 'bench-results', help: 'output folder' },
    },
    argv,
    'bench',
    '[--models a,b] [--sizes 128,299] [--weights scaled|reference] [--torch] [--onnx] [--infer_only] [--program] [--workers N] [--smoke]',
  );
  const smoke = Boolean(values.smoke);
  const backend = String(values.backend);
  await setupBackend(backend);
  const models = smoke ? [SMOKE_SIZES.whichModelNetD] : (values.models as string[]);
  const batch = smoke ? SMOKE_SIZES.batchSize : Number(values.batch);
  const reps = smoke ? 1 : Number(values.reps);
  const weights = String(values.weights) as BenchWeights;
  const inferOnly = Boolean(values.infer_only);
  stat = String(values.stat) as (typeof STATS)[number];
  for (const layout of values.torch_layouts as string[])
    if (layout !== 'nchw' && layout !== 'channels_last')
      throw new Error(
        `bench: --torch_layouts takes nchw and/or channels_last (comma-separated), got '${layout}'`,
      );
  // One image per call is quick: more repetitions for a steady median.
  const oneReps = smoke ? 1 : Math.max(reps, 10);
  const peakN = smoke ? 256 : 1024;
  const peak = await matmulPeak(peakN);
  say(`weights: ${weights}, ${WEIGHTS_NOTE[weights]}`);
  say(
    `backend ${tf.getBackend()} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores): matmul peak ${peak.toFixed(1)} GFLOP/s (${peakN}³, 1 thread)`,
  );
  const workers = workerCount(String(values.workers), backend);
  // Data-parallel timings: this thread and workers − 1 worker threads (createDataParallel).
  const parallel: DataParallel | null = workers > 1 ? await createDataParallel({ workers }) : null;
  const parallelLocal: DataParallel | null =
    workers > 1 && values.bn_cost
      ? await createDataParallel({ workers, batchNorm: 'local' })
      : null;
  const rows: Row[] = [];
  // What the PyTorch side gets (--torch): the same weights (safetensors) and input (NCHW float32).
  const torchDir = values.torch ? mkdtempSync(join(tmpdir(), 'patchfx-bench-torch-')) : null;
  const torchJobs: Array<Record<string, unknown>> = [];
  // onnxruntime's logits (NHWC) of each row, compared with PyTorch's.
  const onnxOutputs = new Map<Row, Float32Array>();
  try {
    const facesDev = resolve(HERE, '../../../../shared/faces-dev');
    let realDirs: { real: string; fake: string } | null = null;
    if (values.real) {
      if (existsSync(join(facesDev, 'real', 'test')))
        realDirs = { real: join(facesDev, 'real', 'test'), fake: join(facesDev, 'fake', 'test') };
      else {
        const root = join(tmpdir(), 'patchfx-bench-synthetic');
        await synthesizeDataset({ root, count: 64, size: 128, seed: 0 });
        realDirs = { real: join(root, 'real', 'train'), fake: join(root, 'fake', 'train') };
      }
    }
    for (const name of models) {
      const config = resolveModelConfig(name);
      const sizes = smoke
        ? [SMOKE_SIZES.imageSize]
        : (values.sizes as string[]).length
          ? (values.sizes as string[]).map(Number)
          : [128, referenceSizes(config).fineSize];
      for (const size of sizes) {
        const model = buildPatchDiscriminator(config);
        const flops = countFlops(model, size);
        // Images per pass as the train program plans them (split only where memory requires).
        const plan = (threads: number) =>
          planMicroBatch({ model, size, batchSize: batch, backend: tf.getBackend(), threads })
            .microBatch;
        const mb = plan(1);
        const mbParallel = parallel ? plan(workers) : null;
        if (weights === 'scaled') initScaled(model, 0);
        // Restored before each input, so that every inference timing sees the initial weights.
        const initial = model.getWeights().map((w) => w.clone());
        const inputs: Array<['random' | 'real', Float32Array | null]> = [['random', null]];
        if (realDirs) inputs.push(['real', await realBatch(batch, size, realDirs)]);
        for (const [input, data] of inputs) {
          const x = data
            ? tf.tensor4d(data, [batch, size, size, 3])
            : (tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 3) as tf.Tensor4D);
          const y = tf.tensor1d(
            Array.from({ length: batch }, (_, i) => (i < batch / 2 ? 1 : 0)),
            'int32',
          );
          const opt = new Adam();
          let train: number | null = null;
          let infer: number | null = null;
          let inferAsTrained: number | null = null;
          let inferLatencyMs: number | null = null;
          let output: { maxAbs: number; subnormal: number } | null = null;
          let parallelTrain: number | null = null;
          let parallelTrainLocal: number | null = null;
          let parallelInfer: number | null = null;
          let onnxInfer: number | null = null;
          let onnxLatencyMs: number | null = null;
          let onnxOutput: Float32Array | null = null;
          let onnxSession: number | null = null;
          let onnxSessionLatencyMs: number | null = null;
          try {
            // Every engine infers with the weights as initialised: inference first, training after.
            model.setWeights(initial);
            const cpuSlow = backend === 'cpu' && !smoke;
            const chunk = mb ?? batch;
            const inferWith = (predict: (x: tf.Tensor4D) => tf.Tensor) => async () => {
              for (let s = 0; s < batch; s += chunk) {
                const out = tf.tidy(() =>
                  predict(tf.slice(x, [s, 0, 0, 0], [Math.min(chunk, batch - s), size, size, 3])),
                );
                await out.data();
                out.dispose();
              }
            };
            inferAsTrained =
              batch /
              (await time(
                inferWith((v) => model.predict(v) as tf.Tensor),
                cpuSlow ? 1 : reps,
              ));
            // Folded once, as evaluate and the detector do.
            const folded = foldBatchNorm(model);
            try {
              infer =
                batch /
                (await time(
                  inferWith((v) => folded.predict(v)),
                  cpuSlow ? 1 : reps,
                ));
              const logits = tf.tidy(() => folded.predict(x));
              output = magnitude((await logits.data()) as Float32Array);
              logits.dispose();
              const one = tf.slice(x, [0, 0, 0, 0], [1, size, size, 3]);
              try {
                inferLatencyMs =
                  1000 *
                  (await time(
                    async () => {
                      const out = folded.predict(one);
                      await out.data();
                      out.dispose();
                    },
                    cpuSlow ? 1 : oneReps,
                  ));
              } finally {
                one.dispose();
              }
            } finally {
              folded.dispose();
            }
            if (values.onnx) {
              // Exported as the weights are now; the same input, transposed to NCHW inside.
              const onnxBytes = exportOnnx(model);
              const onnx = await OnnxModel.create(onnxBytes, { threads: workers });
              try {
                const xs = (await x.data()) as Float32Array;
                onnxOutput = (await onnx.predictAsync(xs, [batch, size, size, 3])).data;
                onnxInfer =
                  batch /
                  (await time(() => onnx.predictAsync(xs, [batch, size, size, 3]), reps, true));
                const one = xs.subarray(0, size * size * 3);
                onnxLatencyMs =
                  1000 *
                  (await time(() => onnx.predictAsync(one, [1, size, size, 3]), oneReps, true));
              } finally {
                await onnx.dispose();
              }
              // The session alone on NCHW input, with OnnxModel's session options.
              const ort = await loadOnnxRuntime();
              const session = await ort.InferenceSession.create(onnxBytes, {
                intraOpNumThreads: workers,
              });
              const nchw = tf.transpose(x, [0, 3, 1, 2]);
              try {
                const all = (await nchw.data()) as Float32Array;
                const feed = (n: number) => ({
                  [session.inputNames[0]]: new ort.Tensor(
                    'float32',
                    all.subarray(0, n * 3 * size * size),
                    [n, 3, size, size],
                  ),
                });
                const [feedBatch, feedOne] = [feed(batch), feed(1)];
                onnxSession = batch / (await time(() => session.run(feedBatch), reps, true));
                onnxSessionLatencyMs =
                  1000 * (await time(() => session.run(feedOne), oneReps, true));
              } finally {
                nchw.dispose();
                await session.release();
              }
            }
            if (torchDir && input === 'random') {
              // PyTorch gets these weights and this input (NCHW), before any training step.
              const tag = `${name}-${size}`;
              const file = (kind: string) => join(torchDir, `${tag}.${kind}`);
              writeFileSync(file('safetensors'), await encodeSafetensors(model));
              const nchw = tf.transpose(x, [0, 3, 1, 2]);
              writeFileSync(file('input.f32'), (await nchw.data()) as Float32Array);
              nchw.dispose();
              torchJobs.push({
                model: name,
                size,
                batch,
                train_reps: inferOnly ? 0 : reps,
                infer_reps: reps,
                one_reps: oneReps,
                layouts: values.torch_layouts,
                stat,
                weights: file('safetensors'),
                input: file('input.f32'),
                output: file('output.f32'),
              });
            }
            if (parallel) {
              parallelInfer =
                batch /
                (await time(
                  async () => (await parallel.predict(model, x, { batchSize: chunk })).dispose(),
                  cpuSlow ? 1 : reps,
                  !cpuSlow,
                ));
            }
            if (!inferOnly) {
              train =
                batch /
                (await time(
                  () => trainStep(model, opt, x, y, { microBatchSize: mb ?? undefined }),
                  cpuSlow ? 1 : reps,
                ));
            }
            if (parallel && !inferOnly) {
              // The same step (same micro-batches), divided among the threads.
              parallelTrain =
                batch /
                (await time(
                  () =>
                    parallel.trainStep(model, opt, x, y, {
                      microBatchSize: mbParallel ?? undefined,
                    }),
                  cpuSlow ? 1 : reps,
                  !cpuSlow,
                ));
              if (parallelLocal) {
                parallelTrainLocal =
                  batch /
                  (await time(
                    () =>
                      parallelLocal.trainStep(model, opt, x, y, {
                        microBatchSize: mbParallel ?? undefined,
                      }),
                    cpuSlow ? 1 : reps,
                    !cpuSlow,
                  ));
              }
            }
          } finally {
            tf.dispose([x, y]);
            opt.dispose();
          }
          const row: Row = {
            model: name,
            size,
            input,
            backend: tf.getBackend(),
            batch,
            microBatch: mb,
            trainImagesPerSecond: train,
            inferImagesPerSecond: infer,
            inferAsTrainedImagesPerSecond: inferAsTrained,
            workers: parallel ? workers : 1,
            parallelTrainImagesPerSecond: parallelTrain,
            ...(parallelLocal && { parallelTrainLocalImagesPerSecond: parallelTrainLocal }),
            parallelInferImagesPerSecond: parallelInfer,
            ...(values.onnx && {
              onnxInferImagesPerSecond: onnxInfer,
              onnxLatencyMs,
              onnxSessionImagesPerSecond: onnxSession,
              onnxSessionLatencyMs,
            }),
            inferLatencyMs,
            outputMaxAbs: output?.maxAbs ?? null,
            outputSubnormal: output?.subnormal ?? null,
            trainGflops: train && (3 * flops * train) / 1e9,
            inferGflops: infer && (flops * infer) / 1e9,
            trainPctPeak: train && (100 * (3 * flops * train)) / 1e9 / peak,
            inferPctPeak: infer && (100 * (flops * infer)) / 1e9 / peak,
            forwardGflopPerImage: flops / 1e9,
            peakRssMb: process.resourceUsage().maxRSS / 1024,
          };
          rows.push(row);
          if (onnxOutput) onnxOutputs.set(row, onnxOutput);
          say(
            `${name} @${size} (${input}): ` +
              (train != null ? `train ${train.toFixed(2)} img/s, ` : '') +
              `infer ${infer?.toFixed(2)} img/s (as trained ${inferAsTrained?.toFixed(2)}), one image ${inferLatencyMs?.toFixed(1)} ms, ` +
              (train != null ? `${row.trainGflops?.toFixed(1)} / ` : '') +
              `${row.inferGflops?.toFixed(1)} GFLOP/s; output max |logit| ${output?.maxAbs.toPrecision(3)} (${output?.subnormal} subnormal)` +
              (parallel
                ? `; ${workers} threads: ` +
                  (parallelTrain != null ? `train ${parallelTrain.toFixed(2)} img/s, ` : '') +
                  `infer ${parallelInfer?.toFixed(2)} img/s`
                : '') +
              (parallelTrainLocal && parallelTrain
                ? `; BatchNorm per thread: train ${parallelTrainLocal.toFixed(2)} img/s (sync costs ${(100 * (parallelTrainLocal / parallelTrain - 1)).toFixed(1)} %)`
                : '') +
              (onnxInfer != null
                ? `; onnxruntime: infer ${onnxInfer.toFixed(2)} img/s, one image ${onnxLatencyMs?.toFixed(1)} ms (session alone: ${onnxSession?.toFixed(2)} img/s, ${onnxSessionLatencyMs?.toFixed(1)} ms)`
                : ''),
          );
        }
        tf.dispose(initial);
        model.dispose();
      }
    }
  } finally {
    await Promise.all([parallel?.dispose(), parallelLocal?.dispose()]);
  }
  if (torchDir) {
    try {
      const py = spawnSync('/usr/bin/python3', [join(HERE, '..', 'torch_bench.py')], {
        input: JSON.stringify(torchJobs),
        encoding: 'utf8',
        maxBuffer: 1 << 24,
        // The same threads as onnxruntime and patchfx's data-parallel timings.
        env: { ...process.env, BENCH_TORCH_THREADS: String(workers) },
      });
      if (py.status !== 0)
        throw new Error(
          `PyTorch bench failed (is python3-torch installed? apt-get install python3-torch): ${py.stderr.slice(-500)}`,
        );
      for (const line of py.stdout.trim().split('\n')) {
        const t = JSON.parse(line) as {
          model: string;
          size: number;
          output: string;
          train_images_per_second: number | null;
          infer_images_per_second: number;
          infer_one_ms: number;
          infer_layout: string;
          infer_one_layout: string;
        };
        // PyTorch's logits (NHWC, as patchfx's), of the same weights and input.
        const bytes = readFileSync(t.output);
        const logits = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
        for (const r of rows.filter((q) => q.model === t.model && q.size === t.size)) {
          if (t.train_images_per_second != null)
            r.torchTrainImagesPerSecond = t.train_images_per_second;
          r.torchInferImagesPerSecond = t.infer_images_per_second;
          r.torchLatencyMs = t.infer_one_ms;
          r.torchInferLayout = t.infer_layout;
          r.torchLatencyLayout = t.infer_one_layout;
          const o = r.input === 'random' ? onnxOutputs.get(r) : undefined;
          if (o && o.length === logits.length)
            r.torchOnnxMaxDiff = o.reduce((m, v, i) => Math.max(m, Math.abs(v - logits[i])), 0);
        }
      }
    } finally {
      rmSync(torchDir, { recursive: true, force: true });
    }
  }
  let program: {
    stepImagesPerSecond: number;
    wallImagesPerSecond: number;
    overheadPct: number;
  } | null = null;
  if (values.program) {
    const root = join(tmpdir(), 'patchfx-bench-program');
    await synthesizeDataset({ root: join(root, 'data'), count: 200, size: 128, seed: 0 });
    const steps = smoke ? 3 : 30;
    const r = spawnSync(
      process.execPath,
      [
        '--conditions=@patchfx/source',
        '--import',
        require.resolve('tsx'),
        join(HERE, '..', '..', 'train', 'src', 'main.ts'),
        '--real_im_path',
        join(root, 'data', 'real'),
        '--fake_im_path',
        join(root, 'data', 'fake'),
        '--loadSize',
        '128',
        '--fineSize',
        '128',
        '--which_model_netD',
        'xception_block2',
        '--checkpoints_dir',
        join(root, 'ck'),
        '--name',
        'bench',
        '--tensorboard_dir',
        'none',
        '--overwrite_config',
        '--max_steps',
        String(steps),
        '--save_latest_freq',
        '1000',
        '--batch_size',
        String(batch),
        '--quiet',
        '--backend',
        backend,
        '--workers',
        String(workers),
      ],
      { encoding: 'utf8', env: { ...process.env, INIT_CWD: process.cwd() } },
    );
    if (r.status !== 0) throw new Error(`train program failed: ${r.stderr}`);
    const log = readFileSync(join(root, 'ck', 'bench', 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; time: string; images_per_second?: number });
    const st = log.filter((l) => l.event === 'step').slice(1); // first step: warm-up
    const wall = (Date.parse(st.at(-1)!.time) - Date.parse(st[0].time)) / 1000;
    const wallIps = ((st.length - 1) * batch) / wall;
    const stepIps =
      (st.length - 1) / st.slice(1).reduce((a, l) => a + batch / l.images_per_second! / batch, 0);
    program = {
      stepImagesPerSecond: stepIps,
      wallImagesPerSecond: wallIps,
      overheadPct: 100 * (1 - wallIps / stepIps),
    };
    say(
      `train program: ${wallIps.toFixed(2)} img/s wall-clock vs ${stepIps.toFixed(2)} img/s bare steps (${program.overheadPct.toFixed(1)} % overhead)`,
    );
  }
  const f = (v: number | null | undefined, d = 2) => (v == null ? '–' : v.toFixed(d));
  const table = [
    `Machine: ${cpus()[0]?.model ?? '?'} (${cpus().length} cores), Node ${process.version}, backend ${backend} (SIMD kernels ${simdKernelsActive() ? 'on' : 'off'}); matmul peak ${peak.toFixed(1)} GFLOP/s. Weights: ${weights}, ${WEIGHTS_NOTE[weights]}; every engine infers with them as initialised (before any training step). Batch ${batch}, ${stat === 'best' ? 'fastest' : 'median'} of ${reps} (one image: of ${oneReps}). Inference runs with BatchNorm folded into the convolutions (as evaluate and the detector do); "as trained" runs the BatchNorm layers. GFLOP/s and % of peak: one thread. ${workers} threads: data-parallel (createDataParallel, one backend instance per thread). Ratios: patchfx at its best here (one thread or ${workers}) against PyTorch on ${workers} threads.`,
    '',
    `| model | size | input | train img/s | train img/s, ${workers} threads | infer img/s as trained | infer img/s | infer img/s, ${workers} threads | train GFLOP/s (% peak) | infer GFLOP/s (% peak) | PyTorch train img/s | PyTorch infer img/s | train ratio | infer ratio |`,
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      // patchfx at its best on this machine (data-parallel where timed) against PyTorch.
      const best = (...v: Array<number | null>) =>
        v.some((x) => x != null) ? Math.max(...v.filter((x): x is number => x != null)) : null;
      const bestTrain = best(r.parallelTrainImagesPerSecond, r.trainImagesPerSecond);
      const bestInfer = best(r.parallelInferImagesPerSecond, r.inferImagesPerSecond);
      return `| ${r.model} | ${r.size} | ${r.input} | ${f(r.trainImagesPerSecond)} | ${f(r.parallelTrainImagesPerSecond)} | ${f(r.inferAsTrainedImagesPerSecond)} | ${f(r.inferImagesPerSecond)} | ${f(r.parallelInferImagesPerSecond)} | ${f(r.trainGflops, 1)} (${f(r.trainPctPeak, 0)} %) | ${f(r.inferGflops, 1)} (${f(r.inferPctPeak, 0)} %) | ${f(r.torchTrainImagesPerSecond)} | ${f(r.torchInferImagesPerSecond)} | ${r.torchTrainImagesPerSecond && bestTrain ? f(bestTrain / r.torchTrainImagesPerSecond) : '–'} | ${r.torchInferImagesPerSecond && bestInfer ? f(bestInfer / r.torchInferImagesPerSecond) : '–'} |`;
    }),
    '',
    ...(rows.some((r) => r.onnxInferImagesPerSecond != null)
      ? [
          `Inference, ${weights} weights: onnxruntime-node (the model exported to ONNX, ${workers} intra-op threads), patchfx ${backend} (BatchNorm folded; at batch ${batch} its best of one thread and ${workers}, at batch 1 one thread) and PyTorch (${workers} threads; the faster of its memory layouts ${(values.torch_layouts as string[]).join(', ')}, named), the same weights and input in one run. onnxruntime: through \`OnnxModel.predictAsync\` (NHWC in and out, converted in JavaScript), and the session alone on NCHW input as PyTorch gets it. Batch 1 is an app's latency. Max |logit|: the size of the outputs (a trained model's scale, not subnormal, when well above 1e-30); onnxruntime − PyTorch: the largest logit difference at batch ${batch}, which shows the engines ran the same weights.`,
          '',
          `| model | size | input | batch | onnxruntime img/s | onnxruntime ms/img | session alone img/s | patchfx ${backend} img/s | PyTorch img/s | onnxruntime / PyTorch | session alone / PyTorch | max \\|logit\\| | \\|onnxruntime − PyTorch\\| |`,
          '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          ...rows.flatMap((r) => {
            const perSecond = (ms: number | null | undefined) => (ms ? 1000 / ms : null);
            const ratio = (a: number | null | undefined, b: number | null | undefined) =>
              a && b ? f(a / b) : '–';
            const patchfxBatch =
              Math.max(r.inferImagesPerSecond ?? 0, r.parallelInferImagesPerSecond ?? 0) || null;
            const onnxOne = perSecond(r.onnxLatencyMs);
            const sessionOne = perSecond(r.onnxSessionLatencyMs);
            const torchOne = perSecond(r.torchLatencyMs);
            const size = `${r.model} | ${r.size} | ${r.input}`;
            const tail = `${r.outputMaxAbs == null ? '–' : r.outputMaxAbs.toPrecision(3)} | ${r.torchOnnxMaxDiff == null ? '–' : r.torchOnnxMaxDiff.toExponential(1)}`;
            return [
              `| ${size} | ${r.batch} | ${f(r.onnxInferImagesPerSecond)} | ${f(perSecond(r.onnxInferImagesPerSecond))} | ${f(r.onnxSessionImagesPerSecond)} | ${f(patchfxBatch)} | ${f(r.torchInferImagesPerSecond)}${r.torchInferLayout ? ` (${r.torchInferLayout})` : ''} | ${ratio(r.onnxInferImagesPerSecond, r.torchInferImagesPerSecond)} | ${ratio(r.onnxSessionImagesPerSecond, r.torchInferImagesPerSecond)} | ${tail} |`,
              `| ${size} | 1 | ${f(onnxOne)} | ${f(r.onnxLatencyMs)} | ${f(sessionOne)} | ${f(perSecond(r.inferLatencyMs))} | ${f(torchOne)}${r.torchLatencyLayout ? ` (${r.torchLatencyLayout})` : ''} | ${ratio(onnxOne, torchOne)} | ${ratio(sessionOne, torchOne)} | ${tail} |`,
            ];
          }),
          '',
        ]
      : []),
    ...(rows.some((r) => r.parallelTrainLocalImagesPerSecond != null)
      ? [
          `Synchronised BatchNorm (the default) against each thread's BatchNorm alone, train img/s on ${workers} threads: ` +
            rows
              .filter((r) => r.parallelTrainLocalImagesPerSecond && r.parallelTrainImagesPerSecond)
              .map(
                (r) =>
                  `${r.model} ${r.size} ${r.input} ${f(r.parallelTrainImagesPerSecond)} vs ${f(r.parallelTrainLocalImagesPerSecond ?? null)} ` +
                  `(${f(100 * (r.parallelTrainLocalImagesPerSecond! / r.parallelTrainImagesPerSecond! - 1), 1)} %)`,
              )
              .join('; ') +
            '.',
          '',
        ]
      : []),
    `Peak RSS: ${f(Math.max(...rows.map((r) => r.peakRssMb)), 0)} MB.` +
      (program
        ? ` Train program: ${f(program.wallImagesPerSecond)} img/s wall-clock vs ${f(program.stepImagesPerSecond)} img/s bare steps (${f(program.overheadPct, 1)} % overhead).`
        : ''),
  ].join('\n');
  const out = resolve(String(values.out));
  mkdirSync(out, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(
    join(out, `bench-${backend}-${stamp}.json`),
    JSON.stringify(
      {
        machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
        backend,
        weights,
        stat,
        workers,
        peakGflops: peak,
        rows,
        program,
      },
      null,
      1,
    ),
  );
  writeFileSync(join(out, `bench-${backend}-${stamp}.md`), `${table}\n`);
  say(`\n${table}\n\nwritten to ${out}/bench-${backend}-${stamp}.{json,md}`);
}

runMain(
  withSmoke('bench', main, {
    needs: 'folder',
    args: (ws) => ['--out', join(ws.root, 'bench-results'), '--onnx'],
  }),
);
