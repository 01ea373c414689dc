/**
 * The single-image detector on a small seeded model (`xception_block1`, 64-px inputs) saved as
 * a real checkpoint folder: every input kind, explanations, calibration, reports checked
 * against `docs/report.schema.json`, leaks and errors.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  createImage,
  decodeImage,
  encodeJpeg,
  encodePng,
  evalTransform,
  ImageDecodeError,
  resolveTransformConfig,
  type RgbImage,
} from '@patchfx/data';
import { calibrateThresholdAtFpr } from '@patchfx/metrics';
import {
  FACES_DEV_DIR,
  hasSharedFaces,
  makeTempDir,
  relativeError,
  withNoLeaks,
} from '@patchfx/test-utils';
import { buildPatchDiscriminator, encodeCheckpoint, patchWindow } from '../src/index.js';
import {
  abstainBand,
  boxToOriginal,
  calibrateDetector,
  classifyScore,
  loadDetector,
  memoryCheckpointReader,
  PATCHFX_VERSION,
  type Detector,
  type DetectorReport,
  type PartMapLike,
  type SegmenterLike,
} from '../src/detector/index.js';
import {
  fileSystem,
  loadCheckpoint,
  loadDetectorFromPath,
  saveCheckpoint,
} from '../src/node/index.js';

const backend = inject('backend');
const ROOT = resolve(__dirname, '../../..');
const SIZE = 64;

/** A PNG of 8-bit RGB pixels. */
const encodeRgbPng = (image: RgbImage) => encodePng({ ...image, channels: 3 });

/** A face-like test image with structure (so patches differ). */
function syntheticImage(width: number, height: number, seed: number): RgbImage {
  const img = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      const r = Math.hypot(x - width / 2, y - height / 2) / Math.min(width, height);
      img.data[i] = (200 - 250 * r + 37 * seed) & 255;
      img.data[i + 1] = (((x * 7) ^ (y * 3)) + seed * 11) & 255;
      img.data[i + 2] = (x * y + 13 * seed) & 255;
    }
  }
  return img;
}

function schemaValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  const schema = JSON.parse(readFileSync(join(ROOT, 'docs/report.schema.json'), 'utf8'));
  const validate = ajv.compile(schema);
  return (report: unknown) => {
    // What a consumer reads back: the JSON text.
    const ok = validate(JSON.parse(JSON.stringify(report)));
    return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

describe(`detector on ${backend}`, () => {
  const tmp = makeTempDir('patchfx-detector-');
  const run = join(tmp.dir, 'run');
  const ckpt = join(run, 'bestval');
  let imagePath = '';
  let realPaths: string[] = [];
  let detector: Detector;
  const validate = schemaValidator();

  beforeAll(async () => {
    const model = buildPatchDiscriminator('xception_block1', { seed: 3, initGain: 1 });
    try {
      await saveCheckpoint(ckpt, { model });
    } finally {
      model.dispose();
    }
    // The train program's run-folder layout: opt.yml beside the checkpoint folders.
    writeFileSync(
      join(run, 'opt.yml'),
      `which_model_netD: xception_block1\nloadSize: ${SIZE}\nfineSize: ${SIZE}\n`,
    );
    const images = join(tmp.dir, 'images');
    mkdirSync(images);
    if (hasSharedFaces) {
      const fakes = join(FACES_DEV_DIR, 'fake', 'test');
      imagePath = join(fakes, readdirSync(fakes).sort()[0]);
      const reals = join(FACES_DEV_DIR, 'real', 'val');
      realPaths = readdirSync(reals)
        .sort()
        .slice(0, 8)
        .map((f) => join(reals, f));
    } else {
      imagePath = join(images, 'face.png');
      writeFileSync(imagePath, encodeRgbPng(syntheticImage(96, 96, 0)));
      realPaths = Array.from({ length: 8 }, (_, k) => {
        const p = join(images, `real${k}.png`);
        writeFileSync(p, encodeRgbPng(syntheticImage(80, 80, k + 1)));
        return p;
      });
    }
    detector = await loadDetectorFromPath(ckpt);
  });

  afterAll(() => {
    detector?.dispose();
    tmp.remove();
  });

  test('finds the input size in the run folder opt.yml and records the preprocessing', async () => {
    expect(detector.sizes).toEqual({ loadSize: SIZE, fineSize: SIZE, sizeSource: 'opt.yml' });
    const r = await withNoLeaks(() => detector.detect(imagePath));
    const original = await decodeImage(readFileSync(imagePath));
    expect(r.preprocessing).toEqual({
      input: 'png',
      alpha: 'none',
      originalWidth: original.width,
      originalHeight: original.height,
      resample: 'lanczos',
      loadSize: SIZE,
      fineSize: SIZE,
      sizeSource: 'opt.yml',
      resizedWidth: SIZE,
      resizedHeight: SIZE,
      crop: { top: 0, left: 0, size: SIZE },
      inputSize: SIZE,
      normalization: { scale: 255, mean: 0.5, std: 0.5 },
    });
    expect(r.averageMode).toBe('after_softmax');
    // xception_block1 at 64 px: a 15×15 map (spec §1.7 geometry).
    expect([r.patchMap!.height, r.patchMap!.width]).toEqual([15, 15]);
    // after_softmax = mean of the per-patch P(fake).
    const mean = r.patchMap!.data.reduce((a, b) => a + b, 0) / r.patchMap!.data.length;
    expect(r.score).toBeCloseTo(mean, 6);
    const spread = Math.max(...r.patchMap!.data) - Math.min(...r.patchMap!.data);
    expect(spread).toBeGreaterThan(0.01);
    expect(r.label).toBe(classifyScore(r.score, [0.4, 0.6]));
  });

  test('the score is P(fake) of the model run by hand on the evaluation transform', async () => {
    const loaded = await loadCheckpoint(ckpt);
    try {
      const { normalizeImage } = await import('@patchfx/data');
      const img = await evalTransform(
        await decodeImage(readFileSync(imagePath)),
        resolveTransformConfig({ loadSize: SIZE, fineSize: SIZE }),
      );
      const logits = tf.tidy(
        () =>
          loaded.model.predict(tf.tensor4d(normalizeImage(img), [1, SIZE, SIZE, 3])) as tf.Tensor,
      );
      const l = await logits.data();
      logits.dispose();
      let sum = 0;
      for (let k = 0; k < l.length / 2; k++) {
        const [a, b] = [l[2 * k], l[2 * k + 1]];
        const m = Math.max(a, b);
        sum += Math.exp(a - m) / (Math.exp(a - m) + Math.exp(b - m));
      }
      const r = await detector.detect(imagePath);
      expect(r.score).toBeCloseTo(sum / (l.length / 2), 5);
    } finally {
      loaded.model.dispose();
    }
  });

  test('foldBatchNorm: false runs the model as it is; the scores agree within rounding', async () => {
    const plain = await loadDetectorFromPath(ckpt, { foldBatchNorm: false });
    try {
      expect([detector.config.foldBatchNorm, plain.config.foldBatchNorm]).toEqual([true, false]);
      const folded = await detector.detect(imagePath);
      const asIs = await withNoLeaks(() => plain.detect(imagePath));
      expect(folded.score).toBeCloseTo(asIs.score, 5);
      expect(relativeError(folded.patchMap!.data, asIs.patchMap!.data)).toBeLessThan(1e-5);
    } finally {
      plain.dispose();
    }
  });

  test('every input kind gives the same score for the same pixels', async () => {
    const bytes = new Uint8Array(readFileSync(imagePath));
    const rgb = await decodeImage(bytes);
    const n = rgb.width * rgb.height;
    const rgba = new Uint8ClampedArray(n * 4);
    for (let i = 0; i < n; i++) {
      rgba.set(rgb.data.subarray(3 * i, 3 * i + 3), 4 * i);
      rgba[4 * i + 3] = (i * 37) & 255; // alpha is dropped, whatever it is
    }
    const t3 = tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32');
    const t4 = tf.tensor4d(Float32Array.from(rgb.data), [1, rgb.height, rgb.width, 3]);
    try {
      const base = (await detector.detect(imagePath)).score;
      const kinds = {
        bytes,
        arrayBuffer: bytes.slice().buffer,
        blob: new Blob([bytes], { type: 'image/png' }),
        rgb,
        rgba: { data: rgba, width: rgb.width, height: rgb.height },
        tensor3d: t3,
        tensor4d: t4,
      };
      for (const [kind, input] of Object.entries(kinds)) {
        const r = await withNoLeaks(() => detector.detect(input));
        expect(r.score, kind).toBe(base);
      }
      expect((await detector.detect(kinds.rgba)).preprocessing).toMatchObject({
        input: 'rgba',
        alpha: 'dropped',
      });
      expect((await detector.detect(t3)).preprocessing.input).toBe('tensor');
      expect(t3.isDisposed).toBe(false); // tensors are read, not taken
      // JPEG bytes score as their decoded pixels.
      const jpeg = await encodeJpeg(rgb, 90);
      const fromJpeg = await detector.detect(jpeg);
      expect(fromJpeg.preprocessing.input).toBe('jpeg');
      expect(fromJpeg.score).toBe((await detector.detect(await decodeImage(jpeg))).score);
    } finally {
      tf.dispose([t3, t4]);
    }
  });

  test('explain: top patches are the patchWindow of the highest P(fake), mapped to the original', async () => {
    const e = await withNoLeaks(() => detector.explain(imagePath, { topk: 4 }));
    const map = e.patchMap!;
    expect(e.patches).toHaveLength(4);
    expect(e.segmented).toBe(false);
    expect(e.receptiveField).toEqual({ rf: 19, jump: 4, offset: -6 });
    const sorted = Array.from(map.data).sort((a, b) => b - a);
    const scale = e.preprocessing.originalWidth / SIZE;
    e.patches.forEach((p, k) => {
      expect(p.rank).toBe(k + 1);
      expect(p.score).toBe(sorted[k]);
      expect(p.score).toBe(map.data[p.row * map.width + p.col]);
      expect(p.window).toEqual(patchWindow(e.receptiveField, p.row, p.col, SIZE));
      expect(p.originalBox).toEqual({
        top: p.window.top * scale,
        left: p.window.left * scale,
        bottom: p.window.bottom * scale,
        right: p.window.right * scale,
      });
      expect(p.part).toBeNull();
    });
    const real = await detector.explain(imagePath, { topk: 2, target: 'real' });
    expect(real.patches[0].score).toBe(Math.min(...map.data));
    // topk beyond the map returns the whole map
    expect((await detector.explain(imagePath, { topk: 1000 })).patches).toHaveLength(225);
  });

  test('explain maps boxes back through a non-square resize and centre crop', async () => {
    // 100×80 (w×h): shorter side 80 → 64, so 80×64, centre crop left = 8; scale 1.25.
    const img = syntheticImage(100, 80, 5);
    const e = await detector.explain(img, { topk: 3 });
    expect(e.preprocessing).toMatchObject({
      resizedWidth: 80,
      resizedHeight: 64,
      crop: { top: 0, left: 8, size: 64 },
    });
    for (const p of e.patches) {
      expect(p.originalBox).toEqual(boxToOriginal(p.window, e.preprocessing));
      expect(p.originalBox.left).toBeCloseTo((p.window.left + 8) * 1.25, 10);
      expect(p.originalBox.bottom).toBeCloseTo(p.window.bottom * 1.25, 10);
    }
  });

  test('onModelInput hands back the image the model ran on, once per call, leaking nothing', async () => {
    const bytes = new Uint8Array(readFileSync(imagePath));
    const expected = await evalTransform(
      await decodeImage(bytes),
      resolveTransformConfig({ loadSize: SIZE, fineSize: SIZE, patchModel: true }),
    );
    const plain = await detector.report(bytes, { createdAt: new Date(0) });
    const seen: RgbImage[] = [];
    const onModelInput = (image: RgbImage) => seen.push(image);
    const r = await withNoLeaks(() => detector.detect(bytes, { onModelInput }));
    const e = await withNoLeaks(() => detector.explain(bytes, { onModelInput }));
    const report = await withNoLeaks(() =>
      detector.report(bytes, { onModelInput, createdAt: new Date(0) }),
    );
    expect(seen).toHaveLength(3);
    for (const image of seen) {
      expect([image.width, image.height]).toEqual([SIZE, SIZE]);
      expect(image.data).toEqual(expected.data);
    }
    expect(seen[0].data).not.toBe(seen[1].data); // a new image each time, the caller's
    // Nothing else changes: same scores, and the report stays plain JSON without pixels.
    expect([r.score, e.score, report.score]).toEqual([plain.score, plain.score, plain.score]);
    expect(report).toEqual(plain);
    expect(validate(report)).toEqual([]);
  });

  test('explain assigns face parts with the reference rule', async () => {
    // A segmenter that knows the layout of the 64-px input: a 'hair' band on the top 8 rows, a
    // 4×4 'eye' square at rows 30–33, cols 30–33, 'skin' elsewhere.
    const parts = ['background', 'skin', 'eye', 'hair'];
    const labels = new Uint8Array(SIZE * SIZE).fill(1);
    for (let y = 0; y < 8; y++) labels.fill(3, y * SIZE, (y + 1) * SIZE);
    for (let y = 30; y < 34; y++) labels.fill(2, y * SIZE + 30, y * SIZE + 34);
    const seen: unknown[] = [];
    const segmenter: SegmenterLike = {
      async segment(input, options) {
        seen.push([typeof input, options?.inputSize]);
        return { labels, width: SIZE, height: SIZE, parts } satisfies PartMapLike;
      },
    };
    const e = await detector.explain(imagePath, { topk: 225, segmenter });
    expect(seen).toEqual([['string', SIZE]]); // the path is passed on (label-map segmenters need it)
    expect(e.segmented).toBe(true);
    const at = (i: number, j: number) => e.patches.find((p) => p.row === i && p.col === j)!;
    // Patch (9, 9): window rows/cols 30–48 holds the whole eye: fraction 1 beats skin's share.
    expect(at(9, 9).window).toMatchObject({ top: 30, left: 30 });
    expect(at(9, 9).part).toEqual({
      name: 'eye',
      label: 'eye',
      id: 2,
      fraction: 1,
      coverage: 16 / 361,
    });
    // Patch (0, 5): rows 0–12 hold all 8 hair rows of its columns: hair's fraction 19·8/512.
    const p = at(0, 5).part!;
    expect(p.label).toBe('hair');
    expect(p.fraction).toBeCloseTo((19 * 8) / (8 * SIZE), 12);
    // A grouping maps labels to part names.
    const g = await detector.explain(imagePath, {
      topk: 225,
      segmenter,
      partGroup: (l) => (l === 'eye' ? 'eyes' : l),
    });
    expect(g.patches.find((q) => q.row === 9 && q.col === 9)!.part!.name).toBe('eyes');
    // A map at the original image's size is brought onto the input grid.
    const big = new Uint8Array(128 * 128).fill(1);
    const half: SegmenterLike = {
      segment: async () => ({ labels: big.fill(3, 0, 128 * 64), width: 128, height: 128, parts }),
    };
    const h = await detector.explain(syntheticImage(128, 128, 1), { topk: 225, segmenter: half });
    expect(h.patches.find((q) => q.row === 0 && q.col === 0)!.part!.label).toBe('hair');
    expect(h.patches.find((q) => q.row === 14 && q.col === 0)!.part!.label).toBe('skin');
  });

  test('explain gives each patch its part shares and the dominant part besides the reference rule', async () => {
    // 64-px input: 'clothes' on rows 40–63, a 2×2 'mouth' at rows 36–37, cols 36–37, 'skin'
    // elsewhere. Patch (9, 9)'s window (rows/cols 30–48) holds all of the small mouth, so the
    // reference rule calls it 'mouth', while clothes and skin fill the window.
    const parts = ['background', 'skin', 'mouth', 'clothes'];
    const labels = new Uint8Array(SIZE * SIZE).fill(1);
    labels.fill(3, 40 * SIZE);
    for (let y = 36; y < 38; y++) labels.fill(2, y * SIZE + 36, y * SIZE + 38);
    const segmenter: SegmenterLike = {
      segment: async () => ({ labels, width: SIZE, height: SIZE, parts }),
    };
    const e = await withNoLeaks(() => detector.explain(imagePath, { topk: 225, segmenter }));
    const p = e.patches.find((q) => q.row === 9 && q.col === 9)!;
    expect(p.window).toMatchObject({ top: 30, left: 30, bottom: 49, right: 49 });
    // Rows 30–39 are skin (but the mouth), rows 40–48 clothes: 10·19 − 4, 4 and 9·19 of 361.
    expect(p.part).toMatchObject({ name: 'mouth', fraction: 1, coverage: 4 / 361 });
    expect(p.parts).toEqual([
      { name: 'skin', share: 186 / 361 },
      { name: 'clothes', share: 171 / 361 },
      { name: 'mouth', share: 4 / 361 },
    ]);
    expect(p.dominantPart).toEqual({ name: 'skin', share: 186 / 361 });
    // Shares always sum to 1 and come largest first.
    for (const q of e.patches) {
      expect(q.parts.reduce((a, b) => a + b.share, 0)).toBeCloseTo(1, 12);
      expect(q.parts.map((s) => s.share)).toEqual(
        q.parts.map((s) => s.share).sort((a, b) => b - a),
      );
      expect(q.dominantPart).toEqual(q.parts[0]);
    }
    // A grouping adds up the shares of the labels it merges (skin + mouth = face here).
    const g = await detector.explain(imagePath, {
      topk: 225,
      segmenter,
      partGroup: (l) => (l === 'clothes' ? 'clothes' : 'face'),
    });
    const gp = g.patches.find((q) => q.row === 9 && q.col === 9)!;
    expect(gp.parts).toEqual([
      { name: 'face', share: 190 / 361 },
      { name: 'clothes', share: 171 / 361 },
    ]);
    expect(gp.part!.name).toBe('face'); // the reference rule's label (mouth), grouped
    // Without a segmenter: no parts at all.
    const n = await detector.explain(imagePath, { topk: 1 });
    expect([n.patches[0].part, n.patches[0].parts, n.patches[0].dominantPart]).toEqual([
      null,
      [],
      null,
    ]);
    // Reports carry them and stay valid.
    const report = await detector.report(imagePath, {
      topk: 225,
      segmenter,
      createdAt: new Date(0),
    });
    const rp = report.patches.find((q) => q.row === 9 && q.col === 9)!;
    expect([rp.parts, rp.dominantPart]).toEqual([p.parts, p.dominantPart]);
    expect(validate(report)).toEqual([]);
  });

  test('calibration fits the threshold on known reals; labels follow the abstain band', async () => {
    const d = await loadDetectorFromPath(ckpt);
    try {
      expect(d.decision).toEqual({
        threshold: 0.5,
        lower: 0.4,
        upper: 0.6,
        abstainOddsRatio: 1.5,
        calibration: null,
      });
      const scores: number[] = [];
      for (const p of realPaths) scores.push((await d.detect(p)).score);
      const cal = await withNoLeaks(() => calibrateDetector(d, realPaths, { targetFpr: 0.25 }));
      const expected = calibrateThresholdAtFpr(scores, 0.25);
      expect(cal).toEqual({ ...expected, targetFpr: 0.25, count: realPaths.length });
      expect(cal.fpr).toBeLessThanOrEqual(0.25);
      const [lower, upper] = abstainBand(cal.threshold, 1.5);
      expect(d.decision).toEqual({
        threshold: cal.threshold,
        lower,
        upper,
        abstainOddsRatio: 1.5,
        calibration: cal,
      });
      expect(lower).toBeLessThan(cal.threshold);
      expect(upper).toBeGreaterThan(cal.threshold);
      // Labels of the calibration images follow the rule; at most targetFpr of them are 'fake'.
      const labels = await Promise.all(realPaths.map(async (p) => (await d.detect(p)).label));
      expect(labels).toEqual(
        scores.map((s) => (s > upper ? 'fake' : s <= lower ? 'real' : 'unsure')),
      );
      expect(labels.filter((l) => l === 'fake').length).toBeLessThanOrEqual(
        0.25 * realPaths.length,
      );
      // No band: exactly the calibrated threshold.
      await calibrateDetector(d, realPaths, { targetFpr: 0.25, abstainOddsRatio: 1 });
      expect(d.decision.lower).toBe(cal.threshold);
      expect(await Promise.all(realPaths.map(async (p) => (await d.detect(p)).label))).toEqual(
        scores.map((s) => (s > cal.threshold ? 'fake' : 'real')),
      );
      // A stored calibration restores the same rule.
      const restored = await loadDetectorFromPath(ckpt, { calibration: cal });
      expect(restored.decision.upper).toBe(upper);
      restored.dispose();
      await expect(calibrateDetector(d, [], { targetFpr: 0.1 })).rejects.toThrow(/at least one/);
      await expect(calibrateDetector(d, realPaths, { targetFpr: 1 })).rejects.toThrow(/\[0, 1\)/);
    } finally {
      d.dispose();
    }
  });

  test('report: valid against docs/report.schema.json, with the hash of weights.bin', async () => {
    const createdAt = new Date('2026-01-02T03:04:05.000Z');
    const parts = ['background', 'skin'];
    const segmenter: SegmenterLike = {
      segment: async () => ({
        labels: new Uint8Array(SIZE * SIZE).fill(1),
        width: SIZE,
        height: SIZE,
        parts,
      }),
    };
    const report: DetectorReport = await withNoLeaks(() =>
      detector.report(imagePath, { topk: 3, segmenter, createdAt }),
    );
    expect(validate(report)).toEqual([]);
    const sha = createHash('sha256')
      .update(readFileSync(join(ckpt, 'weights.bin')))
      .digest('hex');
    const detection = await detector.detect(imagePath);
    expect(report).toMatchObject({
      format: 'patchfx-detector-report',
      version: 1,
      patchfxVersion: PATCHFX_VERSION,
      createdAt: '2026-01-02T03:04:05.000Z',
      image: { name: imagePath },
      model: {
        name: 'xception_block1',
        source: ckpt,
        fakeClassId: 0,
        weightsSha256: sha,
        receptiveField: { rf: 19, jump: 4, offset: -6 },
      },
      score: detection.score,
      label: detection.label,
      mode: 'after_softmax',
      segmented: true,
    });
    expect(report.patches.map((p) => p.part?.name)).toEqual(['skin', 'skin', 'skin']);
    expect(report.patchMap!.rows).toHaveLength(15);
    expect(report.patchMap!.rows.flat()).toEqual(Array.from(detection.patchMap!.data));
    // Calibrated and vote-mode reports validate too; a corrupted one does not.
    const d = await loadDetectorFromPath(ckpt, { averageMode: 'vote' });
    try {
      await calibrateDetector(d, realPaths.slice(0, 4), { targetFpr: 0.5 });
      const r2 = await d.report(readFileSync(imagePath), { name: 'face.png' });
      expect(validate(r2)).toEqual([]);
      expect(r2.decision.calibration?.count).toBe(4);
      expect(r2.image.name).toBe('face.png');
      expect(validate({ ...r2, score: 1.5 })).not.toEqual([]);
      expect(validate({ ...r2, label: 'maybe' })).not.toEqual([]);
    } finally {
      d.dispose();
    }
    // The package's version is the one reported.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/models/package.json'), 'utf8'));
    expect(PATCHFX_VERSION).toBe(pkg.version);
  });

  test('loads the same detector from a URL, memory files, a loaded checkpoint and an IOHandler', async () => {
    let server: Server | undefined;
    const loaded: Detector[] = [];
    try {
      server = createServer((req, res) => {
        const name = (req.url ?? '/').split('/').pop()!;
        const dir = req.url?.startsWith('/run/bestval/')
          ? ckpt
          : req.url?.startsWith('/run/')
            ? run
            : '';
        let body: Buffer;
        try {
          body = readFileSync(join(dir || tmp.dir, name));
        } catch {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200).end(body);
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      const base = (await detector.detect(imagePath)).score;
      const fromUrl = await loadDetector(`http://127.0.0.1:${port}/run/bestval`);
      loaded.push(fromUrl);
      expect(fromUrl.sizes.sizeSource).toBe('opt.yml'); // ../opt.yml, fetched
      expect(fromUrl.source).toBe(`http://127.0.0.1:${port}/run/bestval/`);
      const files = new Map(
        ['checkpoint.json', 'model.json', 'weights.bin'].map((f) => [
          f,
          new Uint8Array(readFileSync(join(ckpt, f))),
        ]),
      );
      loaded.push(
        await loadDetector(
          { read: memoryCheckpointReader(files), where: 'memory' },
          { loadSize: SIZE },
        ),
      );
      loaded.push(await loadDetector(await loadCheckpoint(ckpt), { loadSize: SIZE }));
      const model = buildPatchDiscriminator('xception_block1', { seed: 3, initGain: 1 });
      await model.save(fileSystem(join(tmp.dir, 'plain')));
      model.dispose();
      loaded.push(await loadDetector(fileSystem(join(tmp.dir, 'plain')), { loadSize: SIZE }));
      const pixels = await decodeImage(readFileSync(imagePath));
      for (const d of loaded) expect((await d.detect(pixels)).score).toBe(base);
      await expect(loadDetector(`http://127.0.0.1:${port}/nothing/here`)).rejects.toThrow(
        /has no checkpoint.json/,
      );
    } finally {
      loaded.forEach((d) => d.dispose());
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    }
  });

  test('without opt.yml the architecture default size is used', async () => {
    const files = await (async () => {
      const model = buildPatchDiscriminator('xception_block1', { seed: 3 });
      try {
        return await encodeCheckpoint({ model });
      } finally {
        model.dispose();
      }
    })();
    const d = await loadDetector({ read: memoryCheckpointReader(files), where: 'memory' });
    try {
      expect(d.sizes).toEqual({ loadSize: 299, fineSize: 299, sizeSource: 'default' });
    } finally {
      d.dispose();
    }
  });

  test('loading, detecting and disposing leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const d = await loadDetectorFromPath(ckpt);
    await d.detect(imagePath);
    await d.explain(imagePath);
    await d.report(imagePath);
    await calibrateDetector(d, realPaths.slice(0, 2), { targetFpr: 0 });
    d.dispose();
    d.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(d.detect(imagePath)).rejects.toThrow(/disposed/);
  });

  test('bad inputs give clear errors', async () => {
    const bytes = new Uint8Array(readFileSync(imagePath));
    await withNoLeaks(async () => {
      await expect(detector.detect(bytes.subarray(0, bytes.length - 20))).rejects.toThrow(
        ImageDecodeError,
      );
      await expect(detector.detect(bytes.subarray(0, 100))).rejects.toThrow(/truncated|corrupt/i);
      await expect(detector.detect(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).rejects.toThrow(
        /not an image/,
      );
      await expect(detector.detect(join(tmp.dir, 'missing.png'))).rejects.toThrow(
        /missing\.png.*no such file/,
      );
      const rgba = tf.zeros([8, 8, 4], 'int32');
      const gray = tf.zeros([8, 8, 1], 'int32');
      const unit = tf.fill([8, 8, 3], 0.5);
      try {
        await expect(detector.detect(rgba)).rejects.toThrow(/\[h, w, 3\].*got \[8, 8, 4\].*alpha/);
        await expect(detector.detect(gray)).rejects.toThrow(/got \[8, 8, 1\].*gray/);
        await expect(detector.detect(unit)).rejects.toThrow(/integers 0–255.*got 0.5/);
      } finally {
        tf.dispose([rgba, gray, unit]);
      }
      await expect(
        detector.detect({ data: new Uint8Array(8 * 8 * 2), width: 8, height: 8 }),
      ).rejects.toThrow(/128 bytes for 8×8 pixels: expected 192 \(RGB\) or 256 \(RGBA\)/);
      await expect(
        detector.detect({
          data: new Float32Array(8 * 8 * 3) as unknown as Uint8Array,
          width: 8,
          height: 8,
        }),
      ).rejects.toThrow(/8-bit/);
      await expect(detector.detect(42 as unknown as Uint8Array)).rejects.toThrow(
        /detector input must be/,
      );
      await expect(detector.explain(imagePath, { topk: 0 })).rejects.toThrow(/topk/);
    });
    // A detector without file access refuses paths, naming the Node loader.
    const files = new Map(
      ['checkpoint.json', 'model.json', 'weights.bin'].map((f) => [
        f,
        new Uint8Array(readFileSync(join(ckpt, f))),
      ]),
    );
    const d = await loadDetector(
      { read: memoryCheckpointReader(files), where: 'memory' },
      { loadSize: SIZE },
    );
    try {
      await expect(d.detect(imagePath)).rejects.toThrow(/loadDetectorFromPath/);
    } finally {
      d.dispose();
    }
    await expect(loadDetectorFromPath(join(tmp.dir, 'nope'))).rejects.toThrow(
      /no checkpoint at .*nope/,
    );
    await expect(loadDetectorFromPath(ckpt, { averageMode: 'raw' as never })).rejects.toThrow(
      "unknown average_mode 'raw'; one of vote | before_softmax | after_softmax",
    );
    await expect(loadDetectorFromPath(ckpt, { foldBatchNorm: 'yes' as never })).rejects.toThrow(
      /foldBatchNorm must be true or false/,
    );
    await expect(loadDetectorFromPath(ckpt, { loadSiz: 3 } as never)).rejects.toThrow(
      /unknown detector option 'loadSiz'/,
    );
    await expect(loadDetector('relative/folder')).rejects.toThrow(
      /not a URL.*loadDetectorFromPath/,
    );
  });

  test('a full-image model detects but cannot explain', async () => {
    const model = buildPatchDiscriminator('resnet18', { seed: 1 });
    const files = await encodeCheckpoint({ model });
    model.dispose();
    const d = await loadDetector(
      { read: memoryCheckpointReader(files), where: 'resnet18' },
      { loadSize: 40, fineSize: 32 },
    );
    const bytes = new Uint8Array(readFileSync(imagePath));
    try {
      const seen: RgbImage[] = [];
      const r = await withNoLeaks(() =>
        d.detect(bytes, { onModelInput: (image) => seen.push(image) }),
      );
      expect(r.patchMap).toBeNull();
      // The model input of a full-image model is the fineSize centre crop.
      const expected = await evalTransform(
        await decodeImage(bytes),
        resolveTransformConfig({ loadSize: 40, fineSize: 32, patchModel: false }),
      );
      expect(seen).toHaveLength(1);
      expect(seen[0]).toEqual({ data: expected.data, width: 32, height: 32 });
      expect(r.preprocessing).toMatchObject({
        loadSize: 40,
        inputSize: 32,
        crop: { top: 4, left: 4, size: 32 },
      });
      expect(d.receptiveField).toBeNull();
      await expect(d.explain(bytes)).rejects.toThrow(
        /explain needs a patch model; 'resnet18' is a full-image classifier/,
      );
      const report = await withNoLeaks(() =>
        d.report(bytes, { onModelInput: (image) => seen.push(image) }),
      );
      expect(seen).toHaveLength(2);
      expect(seen[1].data).toEqual(expected.data);
      expect(validate(report)).toEqual([]);
      expect(report.patches).toEqual([]);
      expect(report.patchMap).toBeNull();
    } finally {
      d.dispose();
    }
  });
});
