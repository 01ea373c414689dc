/**
 * The published packages as a user gets them (issue 10): each tarball holds only `dist/`,
 * `README.md`, `LICENSE` and `package.json`; installed from the tarballs into a fresh project
 * (no workspace links) they load from ESM and from CommonJS on the cpu and wasm backends, and
 * their declarations type a consumer under `moduleResolution` nodenext, bundler and (for
 * CommonJS) node16. The pack and the install happen once, in `setup.ts`.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { PUBLISHED, run } from './shared.js';

const { consumer, packages } = inject('packaging');
const TSC = join(consumer, 'node_modules', 'typescript', 'bin', 'tsc');

describe('tarballs', () => {
  test('all five packages were packed', () => {
    expect(packages.map((p) => p.name).sort()).toEqual(
      PUBLISHED.map((p) => `@patchfx/${p}`).sort(),
    );
  });

  for (const name of PUBLISHED) {
    describe(`@patchfx/${name}`, () => {
      const pkg = () => packages.find((p) => p.name === `@patchfx/${name}`)!;

      test('holds only dist/, README.md, LICENSE and package.json, all of them', () => {
        const files = pkg().files;
        expect(
          files.filter(
            (f) => !f.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(f),
          ),
        ).toEqual([]);
        expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
      });

      test('every file package.json points at is in the tarball', () => {
        const manifest = JSON.parse(
          readFileSync(join(consumer, 'node_modules', '@patchfx', name, 'package.json'), 'utf8'),
        ) as Record<string, unknown>;
        const targets = new Set<string>();
        const collect = (v: unknown, condition?: string): void => {
          if (typeof v === 'string') {
            // The source condition serves the workspace only; it is never resolved from npm.
            if (condition !== '@patchfx/source') targets.add(v.replace(/^\.\//, ''));
          } else if (v && typeof v === 'object') {
            for (const [k, w] of Object.entries(v)) collect(w, k);
          }
        };
        collect(manifest.exports);
        for (const field of ['main', 'module', 'types']) collect(manifest[field]);
        expect([...targets].filter((t) => !pkg().files.includes(t))).toEqual([]);
        expect(targets.size).toBeGreaterThan(3);
      });

      test('bundles nothing from node_modules (source maps list only its own src/)', () => {
        const foreign: string[] = [];
        for (const map of pkg().files.filter((f) => f.endsWith('.map'))) {
          const { sources } = JSON.parse(
            readFileSync(join(consumer, 'node_modules', '@patchfx', name, map), 'utf8'),
          ) as { sources: string[] };
          // Allowed besides src/: tsup's CommonJS shim (`import.meta.url`) and, with code
          // splitting, the interop lines tsup's CommonJS pass maps to the output file itself.
          const self = map
            .replace(/\.map$/, '')
            .split('/')
            .pop()!;
          const own = (s: string) =>
            /^(\.\.\/)+src\//.test(s) ||
            /node_modules\/tsup\/assets\//.test(s) ||
            s.split('/').pop() === self;
          foreign.push(...sources.filter((s) => !own(s)).map((s) => `${map}: ${s}`));
        }
        expect(foreign).toEqual([]);
      });
    });
  }
});

interface ConsumerRun {
  /** Per check: its value, or the error it threw. */
  results: Record<string, { value?: unknown; error?: string }>;
  exitCode: number;
  stderr: string;
}

const runs = new Map<string, Promise<ConsumerRun>>();

/** Runs `node <script> <backend>` in the consumer once and parses the JSON line it prints. */
function consume(script: string, backend: string): Promise<ConsumerRun> {
  const key = `${script} ${backend}`;
  if (!runs.has(key)) {
    runs.set(
      key,
      new Promise((res) => {
        execFile(
          process.execPath,
          [script, backend],
          { cwd: consumer, maxBuffer: 64 << 20 },
          (error, stdout, stderr) => {
            const line = stdout.split('\n').find((l) => l.startsWith('{"module"'));
            res({
              results: line
                ? (JSON.parse(line) as { results: ConsumerRun['results'] }).results
                : {},
              exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
              stderr,
            });
          },
        );
      }),
    );
  }
  return runs.get(key)!;
}

describe.each([
  ['esm', 'run.mjs'],
  ['cjs', 'run.cjs'],
])('installed tarballs imported from %s', (_module, script) => {
  describe.each(['cpu', 'wasm'])('on %s', (backend) => {
    const value = async (check: string) => {
      const { results, stderr } = await consume(script, backend);
      const r = results[check];
      if (r === undefined)
        throw new Error(`the consumer did not report check '${check}':\n${stderr}`);
      if (r.error !== undefined)
        throw new Error(`check '${check}' failed in the consumer:\n${r.error}`);
      return r.value;
    };

    test('the consumer exits cleanly', async () => {
      const { exitCode, stderr } = await consume(script, backend);
      // tfjs prints its "install tfjs-node" banner; anything else on stderr is a problem.
      const unexpected = stderr
        .replace(/=+\nHi, looks like you are running TensorFlow\.js in Node\.js[^\n]*\n=+\n?/, '')
        .trim();
      expect({ exitCode, stderr: unexpected }).toEqual({ exitCode: 0, stderr: '' });
    });
    test('useBackend activates it', async () => {
      expect(await value('useBackend')).toBe(backend);
    });
    test('models: xception_block1 builds and predicts a patch map', async () => {
      expect(await value('models')).toEqual({
        size128: [31, 31],
        size64: [15, 15],
        shape: [1, 15, 15, 2],
        finite: true,
      });
    });
    test('models/node loads', async () => {
      expect(await value('models/node')).toBe('function');
    });
    test('models/node: the data-parallel worker thread starts from the tarball and predicts', async () => {
      expect(await value('models/node data-parallel')).toEqual({
        shape: [4, 15, 15, 2],
        close: true,
      });
    });
    test('metrics: averagePrecision', async () => {
      expect(await value('metrics')).toBeCloseTo(0.833333333, 8);
    });
    test('viz: jet colormap', async () => {
      expect(await value('viz')).toEqual([0, 0, 128]);
    });
    test('data: Lanczos resize', async () => {
      expect(await value('data')).toEqual([9, 7, 100]);
    });
    test('viz/node PNG encoder → data decoder', async () => {
      expect(await value('viz/node png → data')).toEqual([2, 3, true]);
    });
    test('data/node: the JPEG codec WebAssembly is found and round-trips', async () => {
      expect(await value('data/node jpeg')).toEqual([8, 8, true]);
    });
    test('segment loads', async () => {
      expect(await value('segment')).toBe('object');
    });
    test('leaves no tensor behind', async () => {
      expect(await value('leaked')).toBe(0);
    });
  });
});

test('every entry exports the same names to ESM and CommonJS', async () => {
  const { results } = await consume('run.mjs', 'cpu');
  const parity = results.parity?.value as Record<
    string,
    { names?: number; onlyEsm?: string[]; onlyCjs?: string[]; error?: string }
  >;
  expect(Object.keys(parity ?? {})).toEqual(
    expect.arrayContaining([
      'models',
      'models/node',
      'models/backend',
      'models/train',
      'models/torch',
      'models/onnx',
      'models/detector',
      'models/evaluate',
      'data',
      'data/node',
      'data/tfrecord',
      'metrics',
      'viz',
      'viz/node',
      'segment',
    ]),
  );
  for (const [entry, p] of Object.entries(parity)) {
    expect({ entry, error: p.error, onlyEsm: p.onlyEsm, onlyCjs: p.onlyCjs }).toEqual({
      entry,
      error: undefined,
      onlyEsm: [],
      onlyCjs: [],
    });
  }
});

describe('declarations', () => {
  test.each([
    ['nodenext, "type": "module"', 'tsconfig.nodenext.json'],
    ['bundler', 'tsconfig.bundler.json'],
    ['node16, a CommonJS .cts file', 'tsconfig.cjs.json'],
  ])('type a consumer under %s', async (_label, tsconfig) => {
    await run(process.execPath, [TSC, '-p', tsconfig], consumer);
  });
});
