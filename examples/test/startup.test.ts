/**
 * What a program loads at start-up: the shared plumbing of `@patchfx/example-common` (options,
 * `--runtime`, results folders) does not load the ONNX exporter's protobufjs, which only
 * `--runtime onnx` and export-onnx need.
 */
import { describe, expect, test } from 'vitest';
import { runNodeModule } from '@patchfx/test-utils';
import { ROOT } from './helpers.js';

// protobufjs is CommonJS: once imported (from ESM too) its files are in require.cache.
const SCRIPT = `
const req = (await import('node:module')).createRequire(import.meta.url);
const loaded = () => Object.keys(req.cache).some((k) => k.includes('protobufjs'));
await import('@patchfx/example-common');
const before = loaded();
await import('@patchfx/models/onnx');
console.log(JSON.stringify({ before, after: loaded() }));
`;

describe('program start-up', () => {
  test('@patchfx/example-common does not load protobufjs; @patchfx/models/onnx does', async () => {
    const r = await runNodeModule(SCRIPT, `${ROOT}/examples/common`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ before: false, after: true });
  });
});
