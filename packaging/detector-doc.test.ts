/**
 * The detector page's Node example in a fresh app (issue 16, item 2): a new npm project that
 * installs only the five tarballs and what the install docs list beside them (`APP_DEPENDENCIES`:
 * tfjs-core, tfjs-layers, tfjs-backend-wasm), then runs the example's code, taken from
 * `docs/detector.md`, with plain `node`: the test sets up no backend. Its `// =>` comments become
 * `assert.deepStrictEqual` calls; every other line is the page's.
 *
 * The same app also shows what happens when the app chooses no backend at all:
 * `loadDetectorFromPath` starts the best installed one and says which, and `loadDetector` of
 * the main entry stops at once with an error that names `useBackend`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { findMarkdownFences } from '../docs/doctest/fences.js';
import { APP_DEPENDENCIES } from './pack.js';
import { REPO_ROOT, run } from './shared.js';

const { packages } = inject('packaging');

/** The first `ts doctest` fence after the `## Node` heading of docs/detector.md. */
function nodeExample(): { code: string; line: number } {
  const source = 'docs/detector.md';
  const text = readFileSync(join(REPO_ROOT, source), 'utf8');
  const heading = text.split('\n').indexOf('## Node') + 1;
  expect(heading, `${source} has no '## Node' section`).toBeGreaterThan(0);
  const fence = findMarkdownFences(text, source).find((f) => f.line > heading);
  if (!fence) throw new Error(`${source}: no ts doctest fence under '## Node'`);
  return { code: fence.code, line: fence.line };
}

/**
 * The example as an ES module: `expr; // => value` lines become strict deep-equality asserts;
 * nothing else changes. Refuses assertion forms it does not translate, so none goes unchecked.
 */
export function withAsserts(code: string): { module: string; checks: number } {
  let checks = 0;
  const lines = code.split('\n').map((line) => {
    const m = /^(\s*)(.+?);?\s*\/\/\s*=>\s*(.+)$/.exec(line);
    if (!m) {
      if (/\/\/\s*(=>|≈)/.test(line)) throw new Error(`cannot translate the check: ${line}`);
      return line;
    }
    if (m[3].trim().startsWith('~')) throw new Error(`cannot translate the check: ${line}`);
    checks++;
    return `${m[1]}__assert.deepStrictEqual(await (${m[2]}), ${m[3]}, ${JSON.stringify(line.trim())});`;
  });
  return { module: `import __assert from 'node:assert/strict';\n${lines.join('\n')}\n`, checks };
}

function node(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, args, { cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      res({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('docs/detector.md in a fresh app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patchfx-fresh-app-'));

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }, null, 2),
    );
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        ...packages.map((p) => p.tarball),
        ...APP_DEPENDENCIES,
      ],
      dir,
    );
  }, 300_000);
  afterAll(() => {
    if (!process.env.PATCHFX_KEEP_PACKAGING) rmSync(dir, { recursive: true, force: true });
  });

  test('the app has no backend set up for it: only the wasm package (and its cpu dependency)', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith('@tensorflow/'))).toEqual([
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-layers',
    ]);
  });

  test('the Node example runs with plain node and its checks hold', async () => {
    const { code, line } = nodeExample();
    const { module, checks } = withAsserts(code);
    expect(checks).toBeGreaterThanOrEqual(4);
    writeFileSync(join(dir, 'detect.mjs'), module);
    const r = await node(['detect.mjs'], dir);
    expect(r.stderr, `docs/detector.md:${line} failed in the fresh app`).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    // The page sets its backend itself, so patchfx had nothing to choose.
    expect(r.stderr).not.toContain('no TensorFlow.js backend');
  });

  test('with no backend chosen, loadDetectorFromPath starts wasm and says so; loadDetector names the fix', async () => {
    writeFileSync(
      join(dir, 'save.mjs'),
      `import { buildPatchDiscriminator } from '@patchfx/models';
import { useBackend } from '@patchfx/models/backend';
import { saveCheckpoint } from '@patchfx/models/node';
await useBackend('wasm');
const model = buildPatchDiscriminator('xception_block1', { seed: 0 });
await saveCheckpoint('model', { model });
`,
    );
    const saved = await node(['save.mjs'], dir);
    expect(saved.stderr).toBe('');
    expect(saved.code).toBe(0);

    writeFileSync(
      join(dir, 'no-backend.mjs'),
      `import * as tf from '@tensorflow/tfjs-core';
import { loadDetectorFromPath } from '@patchfx/models/node';
const detector = await loadDetectorFromPath('model', { loadSize: 32 });
const image = { data: new Uint8Array(32 * 32 * 3).fill(90), width: 32, height: 32 };
const { score } = await detector.detect(image);
detector.dispose();
console.log(JSON.stringify({ backend: tf.getBackend(), score }));
`,
    );
    const auto = await node(['no-backend.mjs'], dir);
    expect(auto.stderr).not.toContain('No backend found');
    expect(auto.code).toBe(0);
    const out = JSON.parse(auto.stdout) as { backend: string; score: number };
    expect(out.backend).toBe('wasm');
    expect(out.score).toBeGreaterThan(0);
    expect(out.score).toBeLessThan(1);
    expect(auto.stderr).toContain("patchfx started 'wasm' (the best one installed)");

    writeFileSync(
      join(dir, 'no-backend-main.mjs'),
      `import { readFile } from 'node:fs/promises';
import { loadDetector } from '@patchfx/models/detector';
const read = async (name) => new Uint8Array(await readFile('model/' + name));
await loadDetector({ read, where: 'model' }, { loadSize: 32 });
console.log('loaded');
`,
    );
    const main = await node(['no-backend-main.mjs'], dir);
    expect(main.code).not.toBe(0);
    expect(main.stdout).toBe('');
    expect(main.stderr).not.toContain('No backend found');
    expect(main.stderr).toContain("await useBackend('wasm')");
  });
});
