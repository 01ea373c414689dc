import { defineConfig } from 'tsup';

export default defineConfig({
  // loader-worker is its own file: the loader starts it with `new Worker(new URL(...))`.
  entry: {
    index: 'src/index.ts',
    node: 'src/node/index.ts',
    'loader-worker': 'src/node/loader-worker.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // One copy of module state shared by all entries, in CJS too (ESM splits by default).
  splitting: true,
  shims: true,
  tsconfig: 'tsconfig.build.json',
  external: [/^@tensorflow\//, /^@patchfx\//],
  target: 'node20',
});
