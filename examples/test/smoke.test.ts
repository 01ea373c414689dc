/**
 * Every example program's `--smoke` run (STYLE.md §I): exit code 0, the final line
 * `smoke ok: <program>`, its temporary workspace removed, and nothing written to the folder it
 * was started in. One program at a time, on the cpu backend.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT, runProgram } from './helpers.js';

/**
 * An empty folder to start a program in. Inside the repository (the gitignored `.vitest-tmp/`):
 * from TypeScript sources, `@patchfx/data`'s loader workers import `tsx` relative to the working
 * folder, so a folder outside the repository would break the train program's worker threads.
 */
function emptyWorkingFolder(): { dir: string; remove: () => void } {
  mkdirSync(join(ROOT, '.vitest-tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.vitest-tmp', 'smoke-cwd-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const CPU = /^smoke: .* s in all, backend cpu$/m;

/**
 * The programs, each with a line of its usual output (it did its work) and the evidence that it
 * ran on the cpu backend (tables and preprocess do no tensor work; demo's children do it).
 */
const PROGRAMS: readonly (readonly [string, RegExp, RegExp])[] = [
  ['model-info', /^patch map: +8×8×2 logits/m, CPU],
  ['browser', /^built .* in [\d.]+ s/m, /backend (cpu|none)/],
  ['train', /^done \(max_steps\) after 2 batches/m, /^training xception_relu1 on cpu/m],
  ['evaluate', /^metrics_avg_after_softmax\s+AP\(real\)/m, CPU],
  ['patches', /^fakes: 20 patches/m, CPU],
  ['segment', /^label-maps: \d+ images/m, CPU],
  ['align', /^aligned \d+ of 2 images to 64×64/m, CPU],
  [
    'faceforensics',
    /^train: 1 of 1 video\(s\) done \(0 finished before\), 1 frame pair\(s\) saved/m,
    CPU,
  ],
  ['preprocess', /^12 image\(s\) written/m, /, backend none/],
  ['export-tfrecord', /^5 record\(s\) read in [\d.]+ s: 5 image\(s\) written/m, /, backend none/],
  ['audit', /^no differences between real and fake in train, val, test$/m, /, backend none/],
  ['convert', /^model: {7}xception_relu1 \(patch_discriminator\)/m, CPU],
  ['export-onnx', /^wrote .*model\.onnx: [\d.]+ (KiB|MiB), ONNX opset 13/m, CPU],
  ['test-runs', /^synthetic\s+AP \d/m, CPU],
  ['tables', /^tables written to /m, /, backend none/],
  ['robustness', /^\| JPEG quality \| 50 \|/m, CPU],
  ['bench', /^xception_relu1 @32 \(random\): train \d/m, CPU],
  [
    'fidelity',
    /^\| test \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \|/m,
    /^training xception_relu1 on cpu/m,
  ],
  ['demo', /^test \(avg after softmax\): AP real \d/m, /^training xception_relu1 on cpu/m],
];

describe('--smoke --backend cpu', () => {
  for (const [program, usual, backend] of PROGRAMS) {
    test(program, async () => {
      const { dir: cwd, remove } = emptyWorkingFolder();
      try {
        const r = await runProgram(program, ['--smoke', '--backend', 'cpu'], {
          cwd,
          timeoutMs: 60_000,
        });
        expect(r.stderr).not.toMatch(/^error:/m);
        expect(r.code).toBe(0);
        const lines = r.stdout.trimEnd().split('\n');
        expect(lines.at(-1)).toBe(`smoke ok: ${program}`);
        expect(r.stdout).toMatch(usual);
        expect(r.stdout).toMatch(backend);
        const workspace = /^smoke workspace: (.+) \(removed at the end\)$/m.exec(r.stdout)?.[1];
        expect(workspace).toBeDefined();
        expect(existsSync(workspace!)).toBe(false);
        expect(readdirSync(cwd)).toEqual([]);
      } finally {
        remove();
      }
    });
  }
});
