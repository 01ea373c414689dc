import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@patchfx/models/backend';
import { Adam, buildPatchDiscriminator, trainStep } from '@patchfx/models';
const [name = 'xception_block2', sizeS = '128', bS = '32', be = 'wasm'] = process.argv.slice(2);
await useBackend(be as 'wasm');
const size = Number(sizeS),
  b = Number(bS);
const model = buildPatchDiscriminator(name);
const opt = new Adam();
const x = tf.randomUniform([b, size, size, 3], -1, 1) as tf.Tensor4D;
const y = tf.tensor1d(
  Array.from({ length: b }, (_, i) => (i < b / 2 ? 1 : 0)),
  'int32',
);
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = await trainStep(model, opt, x, y);
  const ms = performance.now() - t0;
  const heap = (tf.backend() as unknown as { wasm?: { HEAP8: Int8Array } }).wasm?.HEAP8.length ?? 0;
  console.log(
    `${name} ${size} b${b} step ${i}: ${ms.toFixed(0)} ms (${((b / ms) * 1000).toFixed(2)} img/s) loss ${r.loss.toFixed(4)} wasmHeap ${(heap / 2 ** 20).toFixed(0)} MiB rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  );
}
if (process.env.PROF) {
  const prof = await tf.profile(async () => {
    await trainStep(model, opt, x, y);
  });
  const agg = new Map<string, number>();
  for (const k of prof.kernels)
    agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log(
    [...agg]
      .sort((a, c) => c[1] - a[1])
      .slice(0, 15)
      .map(([k, v]) => `${k}: ${v.toFixed(0)}`)
      .join('\n'),
  );
}
