/**
 * `npm run bench --weights`: `scaled` gives every conv and linear layer PyTorch's default scale
 * (U(±1/√fan_in)) and BatchNorm the identity, deterministically; and PyTorch, given the files the
 * bench writes for it (examples/bench/torch_bench.py, real python3-torch), runs exactly those
 * weights on that input: its logits equal patchfx's.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator } from '@patchfx/models';
import { encodeSafetensors, torchParams } from '@patchfx/models/torch';
import { initScaled, magnitude } from '../bench/src/weights.js';
import { ROOT } from './helpers.js';

describe('bench weights', () => {
  test("scaled: conv weights and biases U(±1/√fan_in) with PyTorch's fan_in, BatchNorm identity, seeded", async () => {
    await withNoLeaks(async () => {
      const a = buildPatchDiscriminator('xception_block1');
      const b = buildPatchDiscriminator('xception_block1');
      try {
        initScaled(a, 0);
        initScaled(b, 0);
        const fanIn: Record<string, number> = {
          'conv1.weight': 27, // 3 · 3 · 3
          'block1.rep.0.conv1.weight': 9, // depthwise (64, 1, 3, 3): 3 · 3
          'block1.rep.0.pointwise.weight': 64,
          'convout.weight': 128,
          'convout.bias': 128, // a bias takes its weight's fan_in
        };
        const pb = torchParams(b);
        const seen = new Set<string>();
        for (const [i, p] of torchParams(a).entries()) {
          const v = (await p.variable.read().data()) as Float32Array;
          expect(await pb[i].variable.read().data()).toEqual(v); // same seed, same weights
          const { maxAbs } = magnitude(v);
          if (p.torchName in fanIn) {
            const bound = 1 / Math.sqrt(fanIn[p.torchName]);
            expect(maxAbs).toBeLessThanOrEqual(bound);
            if (v.length > 100) expect(maxAbs).toBeGreaterThan(0.9 * bound);
            seen.add(p.torchName);
          } else if (/^bn1\.|rep\.1\./.test(p.torchName)) {
            const want = /\.(weight|running_var)$/.test(p.torchName) ? 1 : 0;
            expect([...new Set(v)]).toEqual([want]);
          }
        }
        expect([...seen].sort()).toEqual(Object.keys(fanIn).sort());
      } finally {
        a.dispose();
        b.dispose();
      }
    });
  });

  test('PyTorch runs the weights and input the bench gives it: its logits equal patchfx’s, at a realistic scale', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const [n, size] = [2, 48];
      const outputs = await withNoLeaks(async () => {
        const model = buildPatchDiscriminator('xception_block2');
        const x = tf.randomUniform([n, size, size, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
        try {
          // Before the re-initialisation: the reference's weights, for scale.
          const tiny = tf.tidy(() => model.predict(x) as tf.Tensor);
          const reference = magnitude((await tiny.data()) as Float32Array);
          tiny.dispose();
          initScaled(model, 0);
          const y = tf.tidy(() => model.predict(x) as tf.Tensor);
          const patchfx = (await y.data()) as Float32Array;
          y.dispose();
          writeFileSync(join(dir, 'w.safetensors'), await encodeSafetensors(model));
          const nchw = tf.transpose(x, [0, 3, 1, 2]);
          writeFileSync(join(dir, 'x.f32'), (await nchw.data()) as Float32Array);
          nchw.dispose();
          return { patchfx, reference };
        } finally {
          x.dispose();
          model.dispose();
        }
      });
      const job = {
        model: 'xception_block2',
        size,
        batch: n,
        train_reps: 0,
        infer_reps: 1,
        one_reps: 1,
        layouts: ['nchw', 'channels_last'],
        weights: join(dir, 'w.safetensors'),
        input: join(dir, 'x.f32'),
        output: join(dir, 'y.f32'),
      };
      const py = spawnSync('/usr/bin/python3', [join(ROOT, 'examples/bench/torch_bench.py')], {
        input: JSON.stringify([job]),
        encoding: 'utf8',
        env: { ...process.env, BENCH_TORCH_THREADS: '1' },
      });
      expect(py.stderr).toBe('');
      expect(py.status).toBe(0);
      const line = JSON.parse(py.stdout) as Record<string, unknown>;
      expect(line).toMatchObject({ model: 'xception_block2', size, batch: n, threads: 1 });
      expect(line.train_images_per_second).toBeNull();
      expect(line.infer_images_per_second).toBeGreaterThan(0);
      expect(line.infer_one_ms).toBeGreaterThan(0);
      // Each layout timed; the figure is the faster one's.
      const layouts = line.layouts as Record<string, { infer_images_per_second: number }>;
      expect(Object.keys(layouts).sort()).toEqual(['channels_last', 'nchw']);
      expect(line.infer_images_per_second).toBe(
        Math.max(...Object.values(layouts).map((l) => l.infer_images_per_second)),
      );
      const bytes = readFileSync(job.output);
      const torch = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const { patchfx, reference } = outputs;
      expect(torch.length).toBe(patchfx.length);
      const scale = magnitude(patchfx).maxAbs;
      expect(scale).toBeGreaterThan(1e-3); // a trained model's scale, far from subnormal
      expect(line.output_max_abs).toBeCloseTo(scale, 5);
      const diff = torch.reduce((m, v, i) => Math.max(m, Math.abs(v - patchfx[i])), 0);
      expect(diff).toBeLessThan(1e-4 * scale);
      // The reference's initialisation: logits many orders of magnitude smaller.
      expect(reference.maxAbs).toBeLessThan(1e-6 * scale);
    } finally {
      remove();
    }
  }, 60_000);
});
