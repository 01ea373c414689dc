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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { exportOnnx, OnnxModel } from '@patchfx/models/onnx';
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
  /** The model exported to ONNX, in onnxruntime-node on `workers` threads (`--onnx`). */
  onnxInferImagesPerSecond?: number | null;
  /** The same, one image per call: an app's latency, in milliseconds. */
  onnxLatencyMs?: number | null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median seconds of `reps` calls after a warm-up call (kernel set-up, XNNPACK operator caches,
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
  // settle: warm up until two calls in a row agree within 5 % (at most 20 calls).
  for (let i = 0; settle && i < 20; i++) {
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
  return median(ts);
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
    '[--models a,b] [--sizes 128,299] [--torch] [--program] [--workers N] [--smoke]',
  );
  const smoke = Boolean(values.smoke);
  const backend = String(values.backend);
  await setupBackend(backend);
  const models = smoke ? [SMOKE_SIZES.whichModelNetD] : (values.models as string[]);
  const batch = smoke ? SMOKE_SIZES.batchSize : Number(values.batch);
  const reps = smoke ? 1 : Number(values.reps);
  const peakN = smoke ? 256 : 1024;
  const peak = await matmulPeak(peakN);
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
          let parallelTrain: number | null = null;
          let parallelTrainLocal: number | null = null;
          let parallelInfer: number | null = null;
          let onnxInfer: number | null = null;
          let onnxLatencyMs: number | null = null;
          try {
            const cpuSlow = backend === 'cpu' && !smoke;
            train =
              batch /
              (await time(
                () => trainStep(model, opt, x, y, { microBatchSize: mb ?? undefined }),
                cpuSlow ? 1 : reps,
              ));
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
            } finally {
              folded.dispose();
            }
            if (values.onnx) {
              // Exported as the weights are now; the same input, transposed to NCHW inside.
              const onnx = await OnnxModel.create(exportOnnx(model), { threads: workers });
              try {
                const xs = (await x.data()) as Float32Array;
                onnxInfer =
                  batch /
                  (await time(() => onnx.predictAsync(xs, [batch, size, size, 3]), reps, true));
                const one = xs.subarray(0, size * size * 3);
                onnxLatencyMs =
                  1000 * (await time(() => onnx.predictAsync(one, [1, size, size, 3]), reps, true));
              } finally {
                await onnx.dispose();
              }
            }
            if (parallel) {
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
              parallelInfer =
                batch /
                (await time(
                  async () => (await parallel.predict(model, x, { batchSize: chunk })).dispose(),
                  cpuSlow ? 1 : reps,
                  !cpuSlow,
                ));
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
            ...(values.onnx && { onnxInferImagesPerSecond: onnxInfer, onnxLatencyMs }),
            trainGflops: train && (3 * flops * train) / 1e9,
            inferGflops: infer && (flops * infer) / 1e9,
            trainPctPeak: train && (100 * (3 * flops * train)) / 1e9 / peak,
            inferPctPeak: infer && (100 * (flops * infer)) / 1e9 / peak,
            forwardGflopPerImage: flops / 1e9,
            peakRssMb: process.resourceUsage().maxRSS / 1024,
          };
          rows.push(row);
          say(
            `${name} @${size} (${input}): train ${train?.toFixed(2)} img/s, infer ${infer?.toFixed(2)} img/s (as trained ${inferAsTrained?.toFixed(2)}), ${row.trainGflops?.toFixed(1)} / ${row.inferGflops?.toFixed(1)} GFLOP/s` +
              (parallel
                ? `; ${workers} threads: train ${parallelTrain?.toFixed(2)} img/s, infer ${parallelInfer?.toFixed(2)} img/s`
                : '') +
              (parallelTrainLocal && parallelTrain
                ? `; BatchNorm per thread: train ${parallelTrainLocal.toFixed(2)} img/s (sync costs ${(100 * (parallelTrainLocal / parallelTrain - 1)).toFixed(1)} %)`
                : '') +
              (onnxInfer != null
                ? `; onnxruntime: infer ${onnxInfer.toFixed(2)} img/s, one image ${onnxLatencyMs?.toFixed(1)} ms`
                : ''),
          );
        }
        model.dispose();
      }
    }
  } finally {
    await Promise.all([parallel?.dispose(), parallelLocal?.dispose()]);
  }
  if (values.torch) {
    const jobs = rows
      .filter((r) => r.input === 'random')
      .map((r) => ({
        model: r.model,
        size: r.size,
        batch: r.batch,
        train_reps: reps,
        infer_reps: reps,
      }));
    const py = spawnSync('/usr/bin/python3', [join(HERE, '..', 'torch_bench.py')], {
      input: JSON.stringify(jobs),
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (py.status !== 0)
      throw new Error(
        `PyTorch bench failed (is python3-torch installed? apt-get install python3-torch): ${py.stderr.slice(-500)}`,
      );
    for (const line of py.stdout.trim().split('\n')) {
      const t = JSON.parse(line) as {
        model: string;
        size: number;
        train_images_per_second: number;
        infer_images_per_second: number;
      };
      for (const r of rows.filter((q) => q.model === t.model && q.size === t.size)) {
        r.torchTrainImagesPerSecond = t.train_images_per_second;
        r.torchInferImagesPerSecond = t.infer_images_per_second;
      }
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
    `Machine: ${cpus()[0]?.model ?? '?'} (${cpus().length} cores), Node ${process.version}, backend ${backend} (SIMD kernels ${simdKernelsActive() ? 'on' : 'off'}); matmul peak ${peak.toFixed(1)} GFLOP/s. Batch ${batch}, median of ${reps}. Inference runs with BatchNorm folded into the convolutions (as evaluate and the detector do); "as trained" runs the BatchNorm layers. GFLOP/s and % of peak: one thread. ${workers} threads: data-parallel (createDataParallel, one backend instance per thread). Ratios: patchfx at its best here (one thread or ${workers}) against PyTorch on 2 threads.`,
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
          `onnxruntime-node inference (the model exported to ONNX, ${workers} threads, the same weights and input), against patchfx's best and PyTorch's:`,
          '',
          '| model | size | input | onnxruntime img/s | onnxruntime ms, one image | patchfx infer img/s | PyTorch infer img/s | onnxruntime / PyTorch |',
          '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
          ...rows.map(
            (r) =>
              `| ${r.model} | ${r.size} | ${r.input} | ${f(r.onnxInferImagesPerSecond)} | ${f(r.onnxLatencyMs, 1)} | ${f(Math.max(r.inferImagesPerSecond ?? 0, r.parallelInferImagesPerSecond ?? 0) || null)} | ${f(r.torchInferImagesPerSecond)} | ${r.onnxInferImagesPerSecond && r.torchInferImagesPerSecond ? f(r.onnxInferImagesPerSecond / r.torchInferImagesPerSecond) : '–'} |`,
          ),
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
