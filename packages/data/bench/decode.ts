/**
 * Benchmark: decode + Lanczos resize to 299×299 + normalise of the 128×128 PNGs in
 * ../shared/faces-dev, on the calling thread and through the worker-thread loader.
 *
 *   npm run bench -w @patchfx/data [-- --dir <faces-dev> --epochs 3]
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../src/decode/decode.js';
import { resizeImage } from '../src/resize.js';
import { normalizeImage } from '../src/transforms/normalize.js';
import { createBatchLoader, discoverImages, initNodeCodecs } from '../src/node/index.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const here = fileURLToPath(new URL('.', import.meta.url));
const dir = resolve(arg('dir', join(here, '../../../../shared/faces-dev')));
const epochs = Number(arg('epochs', '3'));
const SIZE = 299;

await initNodeCodecs();
const real = (await discoverImages(join(dir, 'real'))).files;
const fake = (await discoverImages(join(dir, 'fake'))).files;
const files = [...real, ...fake];
console.log(
  `${files.length} images from ${dir}; ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
);

// 1. A plain loop on this thread: read + decode + resize + normalise.
const out = new Float32Array(SIZE * SIZE * 3);
const stage = { read: 0, decode: 0, resize: 0, normalize: 0 };
for (let e = 0; e <= epochs; e++) {
  for (const f of files) {
    let t = performance.now();
    const bytes = new Uint8Array(await readFile(f));
    const t1 = performance.now();
    const img = await decodeImage(bytes, f);
    const t2 = performance.now();
    const big = resizeImage(img, SIZE, SIZE, 'lanczos');
    const t3 = performance.now();
    normalizeImage(big, out);
    const t4 = performance.now();
    if (e > 0) {
      stage.read += t1 - t;
      stage.decode += t2 - t1;
      stage.resize += t3 - t2;
      stage.normalize += t4 - t3;
    }
    t = t4;
  }
}
const n = files.length * epochs;
const total = stage.read + stage.decode + stage.resize + stage.normalize;
console.log(
  `single thread, plain loop: ${((1000 * n) / total).toFixed(1)} images/s ` +
    `(per image: read ${(stage.read / n).toFixed(2)} ms, decode ${(stage.decode / n).toFixed(2)} ms, ` +
    `Lanczos ${(stage.resize / n).toFixed(2)} ms, normalise ${(stage.normalize / n).toFixed(2)} ms)`,
);

// 2. The batch loader (val mode = resize shorter side to 299 + centre crop 299 + normalise).
for (const workers of [0, 1, 2]) {
  const loader = createBatchLoader({
    real,
    fake,
    mode: 'val',
    transform: { loadSize: SIZE, fineSize: SIZE },
    batchSize: 32,
    workers,
  });
  try {
    for await (const b of loader.epoch(0)) void b; // warm-up (workers start, JIT)
    const t0 = performance.now();
    let images = 0;
    for (let e = 1; e <= epochs; e++) for await (const b of loader.epoch(e)) images += b.count;
    const s = (performance.now() - t0) / 1000;
    console.log(
      `loader, ${workers === 0 ? 'calling thread' : `${workers} worker${workers > 1 ? 's' : ''}`}: ${(images / s).toFixed(1)} images/s (${images} images in ${s.toFixed(2)} s)`,
    );
  } finally {
    await loader.close();
  }
}
