// The checks a consumer of the installed tarballs runs, one result per check so that a failure
// names itself. `load` is the caller's module loader: `import()` from run.mjs (the packages'
// `import` condition), `require` from run.cjs (their `require` condition).
/* global console, module */

async function runChecks(load, backend) {
  const tf = await load('@tensorflow/tfjs-core');
  const results = {};
  const check = async (name, fn) => {
    try {
      results[name] = { value: await fn() };
    } catch (e) {
      results[name] = { error: String((e && e.stack) || e) };
    }
  };

  await check('useBackend', async () => {
    await (await load('@patchfx/models/backend')).useBackend(backend);
    return tf.getBackend();
  });
  const before = tf.memory().numTensors;

  await check('models', async () => {
    const { buildPatchDiscriminator, outputSize } = await load('@patchfx/models');
    const model = buildPatchDiscriminator('xception_block1');
    try {
      const y = tf.tidy(() => model.predict(tf.zeros([1, 64, 64, 3])));
      const finite = (await y.data()).every(Number.isFinite);
      y.dispose();
      return {
        size128: outputSize(model, 128),
        size64: outputSize(model, 64),
        shape: y.shape,
        finite,
      };
    } finally {
      model.dispose();
    }
  });
  await check(
    'models/node',
    async () => typeof (await load('@patchfx/models/node')).saveCheckpoint,
  );
  // The data-parallel trainer's worker thread starts from the installed dist (its own entry).
  await check('models/node data-parallel', async () => {
    const { buildPatchDiscriminator } = await load('@patchfx/models');
    const { createDataParallel } = await load('@patchfx/models/node');
    const model = buildPatchDiscriminator('xception_relu1');
    const dp = await createDataParallel({ workers: 2, backend });
    const x = tf.randomUniform([4, 32, 32, 3], -1, 1);
    try {
      const expected = tf.tidy(() => model.predict(x));
      const got = await dp.predict(model, x, { batchSize: 2 });
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0]);
      const shape = got.shape;
      tf.dispose([expected, got]);
      return { shape, close: diff < 1e-4 };
    } finally {
      x.dispose();
      await dp.dispose();
      model.dispose();
    }
  });
  await check('metrics', async () =>
    (await load('@patchfx/metrics')).averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
  );
  await check('viz', async () => (await load('@patchfx/viz')).colormapColor('jet', 0));
  await check('data', async () => {
    const { createImage, resizeImage } = await load('@patchfx/data');
    const big = resizeImage(createImage(4, 4, new Uint8Array(48).fill(100)), 9, 7, 'lanczos');
    return [big.width, big.height, big.data[0]];
  });
  // viz's PNG encoder (Node subpath) → data's decoder.
  await check('viz/node png → data', async () => {
    const { encodePng } = await load('@patchfx/viz/node');
    const { decodeImage } = await load('@patchfx/data');
    const pixels = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 10);
    const img = await decodeImage(encodePng({ data: pixels, width: 2, height: 3, channels: 3 }));
    return [img.width, img.height, Array.from(img.data).join(',') === Array.from(pixels).join(',')];
  });
  // The JPEG codec's WebAssembly, found inside the installed @jsquash/jpeg.
  await check('data/node jpeg', async () => {
    const { initNodeCodecs } = await load('@patchfx/data/node');
    const { createImage, decodeImage, encodeJpeg } = await load('@patchfx/data');
    await initNodeCodecs();
    const gray = createImage(8, 8, new Uint8Array(192).fill(128));
    const img = await decodeImage(await encodeJpeg(gray, 95));
    return [img.width, img.height, Math.abs(img.data[0] - 128) <= 2];
  });
  await check('segment', async () => typeof (await load('@patchfx/segment')));
  results.leaked = { value: tf.memory().numTensors - before };
  return results;
}

function print(module, results) {
  console.log(JSON.stringify({ module, results }));
}

module.exports = { runChecks, print };
