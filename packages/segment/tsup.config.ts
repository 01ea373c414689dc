import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // One copy of module state shared by all entries, in CJS too (ESM splits by default).
  splitting: true,
  // import.meta.url (createRequire in src/node) in the CommonJS build too
  shims: true,
  tsconfig: 'tsconfig.build.json',
  external: [/^@tensorflow\//, /^@patchfx\//],
  target: 'node20',
});
