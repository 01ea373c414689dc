import { defineConfig } from 'tsup';

/**
 * The build every `@patchfx/*` package shares: ESM and CommonJS with declarations and source
 * maps, one copy of module state shared by all entries (splitting, in CommonJS too), tfjs and the
 * sibling packages left external.
 *
 * @param entry - Output name → source file of each entry (a subpath export or a worker script).
 * @param shims - `import.meta.url` in the CommonJS build (packages that find files or start
 *   workers beside their own module).
 */
export function packageBuild(entry: Record<string, string>, { shims = false } = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    shims,
    tsconfig: 'tsconfig.build.json',
    external: [/^@tensorflow\//, /^@patchfx\//],
    target: 'node20',
  });
}
