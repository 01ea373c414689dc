import { defaultWorkerCount } from '@patchfx/models/node';

/**
 * The threads a program computes on, from its `--workers` option: `'auto'`
 * (`defaultWorkerCount` of the backend: 2 on wasm with ≥ 2 cores, else 1) or an integer ≥ 1.
 *
 * @throws When the option is neither.
 */
export function workerCount(option: string, backend: string): number {
  if (option === 'auto') return defaultWorkerCount(backend);
  const n = Number(option);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--workers must be 'auto' or a positive integer, got '${option}'`);
  return n;
}
