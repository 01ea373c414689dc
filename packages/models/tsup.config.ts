import { defineConfig } from 'tsup';

export default defineConfig({
  // data-parallel-worker is its own file: the trainer starts it with `new Worker(new URL(...))`.
  entry: {
    index: 'src/index.ts',
    node: 'src/node/index.ts',
    backend: 'src/backend/index.ts',
    train: 'src/train/index.ts',
    torch: 'src/torch/index.ts',
    detector: 'src/detector/index.ts',
    evaluate: 'src/evaluate/index.ts',
    'data-parallel-worker': 'src/node/data-parallel/worker.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // One copy of module state shared by all entries, in CJS too (ESM splits by default).
  splitting: true,
  // import.meta.url in the CJS build (where the worker script is found).
  shims: true,
  tsconfig: 'tsconfig.build.json',
  external: [/^@tensorflow\//, /^@patchfx\//],
  target: 'node20',
});
