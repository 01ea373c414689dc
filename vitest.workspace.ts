/**
 * The one list of vitest projects (see STYLE.md §F): every package × backend, plus docs and
 * examples. `vitest.config.ts` imports it into `test.projects`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export type Backend = 'cpu' | 'wasm' | 'tensorflow';

const require = createRequire(import.meta.url);
const resolvable = (spec: string) => {
  try {
    require.resolve(spec);
    return true;
  } catch {
    return false;
  }
};

/** Backends every package is tested on; `tensorflow` only where tfjs-node(-gpu) is installed. */
export const backends: Backend[] = [
  'cpu',
  'wasm',
  ...(resolvable('@tensorflow/tfjs-node-gpu') || resolvable('@tensorflow/tfjs-node')
    ? (['tensorflow'] as const)
    : []),
];

const packages = ['models', 'data', 'metrics', 'viz', 'segment'].filter((p) =>
  existsSync(new URL(`./packages/${p}/test`, import.meta.url)),
);

const common = {
  setupFiles: ['./vitest.setup.ts'],
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export const projects = [
  ...packages.flatMap((pkg) =>
    backends.map((backend) => ({
      extends: true as const,
      test: {
        ...common,
        name: `${pkg}:${backend}`,
        include: [`packages/${pkg}/test/**/*.test.ts`],
        provide: { backend },
      },
    })),
  ),
  ...(existsSync(new URL('./examples/test', import.meta.url))
    ? [
        {
          extends: true as const,
          test: {
            ...common,
            name: 'examples',
            include: ['examples/test/**/*.test.ts'],
            provide: { backend: 'cpu' as Backend },
          },
        },
      ]
    : []),
  ...(existsSync(new URL('./docs/doctest.test.ts', import.meta.url))
    ? [
        {
          extends: true as const,
          test: {
            ...common,
            name: 'docs',
            include: ['docs/doctest.test.ts', 'docs/doctest/**/*.test.ts'],
            provide: { backend: 'cpu' as Backend },
          },
        },
      ]
    : []),
  // Repository tooling: the lint rules of eslint-rules/ (no backend, no tfjs).
  {
    extends: true as const,
    test: { name: 'tooling', include: ['eslint-rules/**/*.test.ts'] },
  },
  ...(existsSync(new URL('./packaging', import.meta.url))
    ? [
        {
          extends: true as const,
          test: {
            ...common,
            name: 'packaging',
            include: ['packaging/**/*.test.ts'],
            // Packs and installs the five tarballs once for all packaging tests.
            globalSetup: ['./packaging/setup.ts'],
            provide: { backend: 'cpu' as Backend },
          },
        },
      ]
    : []),
];
