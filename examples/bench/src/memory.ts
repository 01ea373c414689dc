/**
 * bench memory: peak memory of one training step (forward + backward + Adam) of the patch models
 * on one backend, each (model, size, batch) in its own child process so that a step that runs
 * out of memory does not end the run. For each it records the wasm heap after the step (the heap
 * only grows: its size is the step's high-water mark, what really runs out), `tf.profile`'s
 * `peakBytes` (tensor bytes only), and what `estimateTrainingMemory` predicts.
 *
 *   npm run memory -w @patchfx/example-bench                  # the default table (~3.5 min)
 *   npm run memory -w @patchfx/example-bench -- --models xception_block2 --sizes 299 --batches 12,14
 *   npm run memory -w @patchfx/example-bench -- --smoke      # seconds, writes nothing
 *
 * A step that exhausts the wasm heap fails with `RuntimeError: memory access out of bounds`
 * (the backend's `_malloc` returns 0 and it writes there); under `tf.profile` the error that
 * surfaces is a follow-on `TypeError: Cannot read properties of undefined (reading 'map')`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { buildPatchDiscriminator } from '@patchfx/models';
import { Adam, estimateTrainingMemory, trainStep, wasmHeapBytes } from '@patchfx/models/train';
import {
  BACKEND_OPTION,
  parseOptions,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
} from '@patchfx/example-common';

interface Probe {
  model: string;
  size: number;
  batch: number;
  backend: string;
  ok: boolean;
  /** wasm heap after the step (bytes); null on other backends. */
  heapBytes: number | null;
  /** wasm heap after building the model, before the step. */
  heapBeforeBytes: number | null;
  /** `tf.profile` peak of live tensor bytes during the step. */
  profilePeakBytes: number | null;
  estimatedBytes: number;
  seconds: number;
  error?: string;
}

/** A probe that has not run (yet): no figures. */
const notRun = (backend: string, model: string, size: number, batch: number): Probe => ({
  model,
  size,
  batch,
  backend,
  ok: false,
  heapBytes: null,
  heapBeforeBytes: null,
  profilePeakBytes: null,
  estimatedBytes: NaN,
  seconds: 0,
});

/** The child: one training step, printed as one JSON line. */
async function probe(backend: string, model: string, size: number, batch: number): Promise<void> {
  await setupBackend(backend);
  const net = buildPatchDiscriminator(model);
  const estimatedBytes = estimateTrainingMemory(net, size, batch).totalBytes;
  const heapBeforeBytes = wasmHeapBytes();
  const x = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 2),
    'int32',
  );
  const opt = new Adam();
  const t0 = performance.now();
  let profilePeakBytes: number | null = null;
  const out: Probe = { ...notRun(backend, model, size, batch), heapBeforeBytes, estimatedBytes };
  try {
    const info = await tf.profile(async () => {
      const r = await trainStep(net, opt, x, y);
      if (!Number.isFinite(r.loss)) throw new Error(`loss is ${r.loss}`);
    });
    profilePeakBytes = info.peakBytes;
    out.ok = true;
  } catch (e) {
    out.error = (e as Error).message?.split('\n')[0] ?? String(e);
  }
  out.profilePeakBytes = profilePeakBytes;
  out.heapBytes = wasmHeapBytes();
  out.seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`PROBE ${JSON.stringify(out)}\n`);
}

function runProbe(backend: string, model: string, size: number, batch: number): Probe {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      '--conditions=@patchfx/source',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      [backend, model, size, batch].join(','),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const line = r.stdout.split('\n').find((l) => l.startsWith('PROBE '));
  if (line) return JSON.parse(line.slice(6)) as Probe;
  const err = `${r.stderr}`.trim().split('\n');
  const message =
    err.find((l) => /memory|abort|RangeError|Error/i.test(l)) ??
    err.at(-1) ??
    `exit ${r.status} signal ${r.signal}`;
  return {
    ...notRun(backend, model, size, batch),
    seconds: (performance.now() - t0) / 1000,
    error: `child exited ${r.status ?? r.signal}: ${message.slice(0, 300)}`,
  };
}

const mib = (b: number | null) =>
  b == null || !Number.isFinite(b) ? '–' : (b / 2 ** 20).toFixed(0);

async function main(argv: readonly string[]): Promise<number | void> {
  const { values } = parseOptions(
    {
      backend: BACKEND_OPTION,
      models: {
        type: 'list',
        default: [
          'xception_block1',
          'xception_block2',
          'xception_block3',
          'xception_block4',
          'resnet18_layer1',
          'resnet18_layer2',
        ],
        help: 'models',
      },
      sizes: { type: 'list', default: ['128', '299'], help: 'input sizes' },
      batches: { type: 'list', default: ['2', '8'], help: 'batch sizes (even)' },
      child: {
        type: 'string',
        default: '',
        help: 'internal: backend,model,size,batch of one probe',
      },
      smoke: SMOKE_OPTION,
      out: { type: 'string', default: 'bench-results', help: 'output folder' },
    },
    argv,
    'memory -w @patchfx/example-bench',
    '[--models a,b] [--sizes 128,299] [--batches 2,8] [--smoke]',
  );
  if (values.child) {
    const [backend, model, size, batch] = String(values.child).split(',');
    await probe(backend, model, Number(size), Number(batch));
    return;
  }
  const backend = String(values.backend);
  const smoke = Boolean(values.smoke);
  const models = smoke ? ['xception_relu1'] : (values.models as string[]);
  const sizes = smoke ? [32] : (values.sizes as string[]).map(Number);
  const batches = smoke ? [2, 4] : (values.batches as string[]).map(Number);
  const rows: Probe[] = [];
  for (const model of models)
    for (const size of sizes)
      for (const batch of batches) {
        const p = runProbe(backend, model, size, batch);
        rows.push(p);
        say(
          `${model} ${size}px ×${batch}: ${p.ok ? 'ok' : `FAILED (${p.error})`} heap ${mib(p.heapBytes)} MiB (before ${mib(p.heapBeforeBytes)}), profile peak ${mib(p.profilePeakBytes)} MiB, estimate ${mib(p.estimatedBytes)} MiB, ${p.seconds.toFixed(1)} s`,
        );
      }
  const table = [
    '| model | size | batch | trains | wasm heap after step (MiB) | tf.profile peakBytes (MiB) | estimate (MiB) | estimate / heap |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.size} | ${r.batch} | ${r.ok ? 'yes' : 'no'} | ${mib(r.heapBytes)} | ${mib(r.profilePeakBytes)} | ${mib(r.estimatedBytes)} | ${r.heapBytes ? (r.estimatedBytes / r.heapBytes).toFixed(2) : '–'} |`,
    ),
  ].join('\n');
  say(table);
  if (smoke) {
    say('smoke ok: bench memory');
    return;
  }
  const out = String(values.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'memory.json'), `${JSON.stringify(rows, null, 2)}\n`);
  writeFileSync(join(out, 'memory.md'), `${table}\n`);
  say(`written to ${join(out, 'memory.json')} and memory.md`);
}

runMain(() => main(process.argv.slice(2)));
