/**
 * The browser bundle check (issue 10): esbuild bundles a page importing the main entries of the
 * five installed packages for `platform: 'browser'`; no Node built-in may be pulled in (those stay
 * behind the `./node` subpaths). The bundle then runs in headless Chromium on the cpu backend:
 * one real call per package, no console errors.
 */
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { launchChromium } from '@patchfx/test-utils';

const { consumer } = inject('packaging');

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isBuiltin = (spec: string) =>
  spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]);

/**
 * Records every Node built-in the bundle cannot do without, and leaves it out so that the build
 * finishes. A built-in a package's `browser` field maps away (tfjs-core's `util`, seedrandom's
 * `crypto`) resolves to an empty module and is fine.
 */
function builtinRecorder(found: Array<{ spec: string; importer: string }>): Plugin {
  const INNER = Symbol('inner');
  return {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === INNER || args.kind === 'entry-point' || !isBuiltin(args.path)) {
          return undefined;
        }
        const { errors } = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: INNER,
        });
        if (errors.length === 0) return undefined;
        found.push({ spec: args.path, importer: args.importer });
        return { path: args.path, external: true };
      });
    },
  };
}

/** The import chain from the entry to `target`, through the metafile's import graph. */
function chainTo(meta: Metafile, target: string): string[] {
  const entry = Object.keys(meta.inputs).find((k) => k.endsWith('browser-entry.mjs'))!;
  const prev = new Map<string, string>([[entry, '']]);
  const queue = [entry];
  while (queue.length) {
    const at = queue.shift()!;
    if (at === target) break;
    for (const imp of meta.inputs[at]?.imports ?? []) {
      if (!prev.has(imp.path)) {
        prev.set(imp.path, at);
        queue.push(imp.path);
      }
    }
  }
  const chain: string[] = [];
  for (let at = target; at; at = prev.get(at) ?? '')
    chain.unshift(at.replace(/^.*node_modules\//, ''));
  return chain;
}

let bundle = '';
let meta: Metafile;
const builtins: Array<{ spec: string; importer: string }> = [];

beforeAll(async () => {
  const result = await build({
    entryPoints: [join(consumer, 'browser-entry.mjs')],
    absWorkingDir: consumer,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [builtinRecorder(builtins)],
  });
  bundle = result.outputFiles[0].text;
  meta = result.metafile;
});

describe('browser bundle', () => {
  test('pulls in no Node built-in', () => {
    // One line per built-in, with the shortest import chain that pulls it in.
    const chains = new Map<string, string[]>();
    for (const { spec, importer } of builtins) {
      const rel = importer.startsWith(consumer) ? importer.slice(consumer.length + 1) : importer;
      const chain = chainTo(meta, rel);
      const known = chains.get(spec);
      if (!known || chain.length < known.length) chains.set(spec, chain);
    }
    expect([...chains].map(([spec, chain]) => `${spec} ← ${chain.join(' → ')}`).sort()).toEqual([]);
  });

  test('contains none of the ./node subpaths', () => {
    const inputs = Object.keys(meta.inputs);
    expect(inputs.filter((i) => /@patchfx\/[^/]+\/dist\/node\.js$/.test(i))).toEqual([]);
    // and does contain the five packages
    for (const p of ['models', 'data', 'metrics', 'viz', 'segment']) {
      expect(
        inputs.some((i) => i.includes(`@patchfx/${p}/dist/`)),
        p,
      ).toBe(true);
    }
  });
});

/** A bundled module's inputs and the Node built-ins it would pull in (see `builtinRecorder`). */
interface StdinBundle {
  readonly inputs: string[];
  readonly builtins: Array<{ spec: string; importer: string }>;
}

/**
 * Bundles `contents`, an ES module importing the installed packages, for the browser as ESM,
 * tfjs left out (a peer the page provides).
 */
async function bundleModule(contents: string): Promise<StdinBundle> {
  const builtins: StdinBundle['builtins'] = [];
  const result = await build({
    stdin: { contents, resolveDir: consumer, loader: 'js' },
    absWorkingDir: consumer,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['@tensorflow/*'],
    plugins: [builtinRecorder(builtins)],
  });
  return { inputs: Object.keys(result.metafile.inputs), builtins };
}

describe('the main entry of @patchfx/models', () => {
  // A user who only builds a model bundles the network, not the detector's codecs and metrics
  // (they live behind @patchfx/models/detector, /evaluate, /train, /torch).
  test('pulls in neither @patchfx/data nor @patchfx/metrics', async () => {
    const { inputs } = await bundleModule(
      "import { buildPatchDiscriminator, receptiveField } from '@patchfx/models';\n" +
        'globalThis.x = [buildPatchDiscriminator, receptiveField];\n',
    );
    expect(inputs.some((i) => i.includes('@patchfx/models/dist/'))).toBe(true);
    expect(inputs.filter((i) => /@patchfx\/(data|metrics|viz|segment)\//.test(i))).toEqual([]);
  });
});

describe('@patchfx/models/onnx', () => {
  // The exporter is browser-safe: a page can export a model to ONNX (protobufjs, no Node
  // built-in); onnxruntime is an optional peer it imports only when asked to run a model.
  test('bundles for the browser without Node built-ins', async () => {
    const { inputs, builtins } = await bundleModule(
      "import { exportOnnx } from '@patchfx/models/onnx';\nglobalThis.x = exportOnnx;\n",
    );
    expect(builtins).toEqual([]);
    expect(inputs.some((i) => i.includes('@patchfx/models/dist/onnx.js'))).toBe(true);
    expect(inputs.some((i) => i.includes('node_modules/protobufjs/'))).toBe(true);
  });
});

describe('in headless Chromium', () => {
  let server: Server;
  let url = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/bundle.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(bundle);
      } else if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          '<!doctype html><meta charset="utf-8"><title>patchfx</title><script src="/bundle.js"></script>',
        );
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('runs one real call per package on the cpu backend, without console errors', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      const result = (await page.evaluate(
        () => (window as unknown as { __patchfx: Promise<unknown> }).__patchfx,
      )) as {
        value?: unknown;
        error?: string;
      };
      expect(result.error).toBeUndefined();
      expect(result.value).toEqual({
        backend: 'cpu',
        size128: [31, 31],
        shape: [1, 15, 15, 2],
        finite: true,
        ap: expect.closeTo(0.833333333, 8),
        jet0: [0, 0, 128],
        resized: [9, 7, 100],
        segment: 'object',
        leaked: 0,
      });
    } finally {
      await browser.close();
    }
  });
});
