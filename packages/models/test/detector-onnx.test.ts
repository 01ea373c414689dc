/**
 * The detector on onnxruntime: a checkpoint run with `runtime: 'onnx'` and its exported `.onnx`
 * file (no tfjs model) give the tfjs detector's scores, patch maps, top patches, decision and
 * report on real faces; files over HTTP; leaks; bad input.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FACES_DEV_DIR, hasSharedFaces, makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator, checkpointPreprocessing } from '../src/index.js';
import { loadDetector, type Detector } from '../src/detector/index.js';
import { loadCheckpoint, loadDetectorFromPath, saveCheckpoint } from '../src/node/index.js';
import { exportOnnx, readOnnxInfo } from '../src/onnx/index.js';
import { encodeModel } from '../src/onnx/schema.js';
import { realisticWeights } from './helpers/realistic-weights.js';

const ROOT = resolve(__dirname, '../../..');
const SIZE = 64;
const CALIBRATION = { threshold: 0.4, targetFpr: 0.05, fpr: 0.05, count: 20 };
const tmp = makeTempDir();
const ckptDir = join(tmp.dir, 'run', 'bestval');
const onnxFile = join(tmp.dir, 'model.onnx');
let images: string[];
let tfjs: Detector;
let fromFile: Detector;

/** Three real and three fake faces of faces-dev (or none without ../shared). */
function faces(): string[] {
  if (!hasSharedFaces) return [];
  const pick = (dir: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .slice(0, 3)
      .map((f) => join(dir, f));
  return [
    ...pick(join(FACES_DEV_DIR, 'real', 'test')),
    ...pick(join(FACES_DEV_DIR, 'fake', 'test')),
  ];
}

beforeAll(async () => {
  const model = buildPatchDiscriminator('xception_block1', { seed: 3 });
  realisticWeights(model);
  const preprocessing = checkpointPreprocessing({ loadSize: SIZE });
  await saveCheckpoint(ckptDir, { model, preprocessing, calibration: CALIBRATION });
  writeFileSync(onnxFile, exportOnnx(model, { preprocessing, calibration: CALIBRATION }));
  model.dispose();
  images = faces();
  tfjs = await loadDetectorFromPath(ckptDir, { foldBatchNorm: false });
  fromFile = await loadDetectorFromPath(onnxFile);
});
afterAll(() => {
  tfjs?.dispose();
  fromFile?.dispose();
  tmp.remove();
});

function maxRelative(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  for (let k = 0; k < a.length; k++) diff = Math.max(diff, Math.abs(a[k] - b[k]));
  return diff;
}

describe('a detector of an .onnx file', () => {
  test('carries what the checkpoint records: name, sizes, calibration, receptive field', () => {
    expect(fromFile.runtime).toBe('onnx');
    expect(fromFile.model).toBeNull();
    expect(tfjs.runtime).toBe('tfjs');
    expect(fromFile.name).toBe('xception_block1');
    expect(fromFile.sizes).toEqual(tfjs.sizes);
    expect(fromFile.sizes.sizeSource).toBe('checkpoint');
    expect(fromFile.decision).toEqual(tfjs.decision);
    expect(fromFile.decision.calibration?.threshold).toBe(0.4);
    expect(fromFile.receptiveField).toEqual(tfjs.receptiveField);
    expect(fromFile.fakeClassId).toBe(0);
  });

  test.runIf(hasSharedFaces)(
    'scores real faces as tfjs does: P(fake) and every patch within 1e-4, the same label and top patches',
    async () => {
      expect(images.length).toBe(6);
      for (const image of images) {
        const a = await tfjs.explain(image, { topk: 3 });
        const b = await fromFile.explain(image, { topk: 3 });
        expect(Math.abs(a.score - b.score)).toBeLessThan(1e-4);
        expect(b.label).toBe(a.label);
        expect([b.patchMap!.height, b.patchMap!.width]).toEqual([
          a.patchMap!.height,
          a.patchMap!.width,
        ]);
        expect(maxRelative(a.patchMap!.data, b.patchMap!.data)).toBeLessThan(1e-4);
        expect(b.patches.map((p) => p.window)).toEqual(a.patches.map((p) => p.window));
        expect(b.preprocessing).toEqual(a.preprocessing);
      }
      // The weights make the map vary, so the comparison is not of constants.
      const map = (await tfjs.detect(images[0])).patchMap!.data;
      expect(Math.max(...map) - Math.min(...map)).toBeGreaterThan(0.01);
    },
  );

  test('its report follows the schema; its weights hash is the file’s', async () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'docs/report.schema.json'), 'utf8'));
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const pixels = {
      data: new Uint8Array(SIZE * SIZE * 3).map((_, k) => (k * 37) % 256),
      width: SIZE,
      height: SIZE,
    };
    const report = await fromFile.report(pixels, { name: 'x.png' });
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.model.source).toBe(onnxFile);
    expect(report.model.weightsSha256).toBe(
      createHash('sha256').update(readFileSync(onnxFile)).digest('hex'),
    );
    const tfjsReport = await tfjs.report(pixels, { name: 'x.png' });
    expect(Math.abs(report.score - tfjsReport.score)).toBeLessThan(1e-4);
  });

  test('loads over HTTP from a URL ending in .onnx', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/m/model.onnx') res.end(readFileSync(onnxFile));
      else res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const d = await loadDetector(`${base}/m/model.onnx`);
      try {
        expect(d.runtime).toBe('onnx');
        expect(d.source).toBe(`${base}/m/model.onnx`);
        expect(d.sizes.loadSize).toBe(SIZE);
      } finally {
        d.dispose();
      }
      await expect(loadDetector(`${base}/m/missing.onnx`)).rejects.toThrow(
        /HTTP 404 \(no ONNX file there: export one with `npm run export-onnx`\)/,
      );
    } finally {
      server.close();
    }
  });

  test('a full-image model: a score and no patch map, as on tfjs', async () => {
    const model = buildPatchDiscriminator('resnet18', { seed: 2 });
    realisticWeights(model);
    const preprocessing = checkpointPreprocessing({ loadSize: 72, fineSize: SIZE });
    const bytes = exportOnnx(model, { preprocessing });
    const dir = join(tmp.dir, 'full');
    await saveCheckpoint(dir, { model, preprocessing });
    model.dispose();
    const a = await loadDetectorFromPath(dir);
    const b = await loadDetector({ onnx: bytes });
    try {
      expect(b.receptiveField).toBeNull();
      const pixels = {
        data: new Uint8Array(80 * 72 * 3).map((_, k) => (k * 13) % 256),
        width: 80,
        height: 72,
      };
      const [x, y] = [await a.detect(pixels), await b.detect(pixels)];
      expect(Number.isFinite(x.score) && x.score !== 0.5).toBe(true);
      expect(y.patchMap).toBeNull();
      expect(Math.abs(x.score - y.score)).toBeLessThan(1e-4);
      await expect(b.explain(pixels)).rejects.toThrow(/needs a patch model/);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('leaves no tensor behind', async () => {
    const bytes = readFileSync(onnxFile);
    const pixels = { data: new Uint8Array(SIZE * SIZE * 3).fill(90), width: SIZE, height: SIZE };
    await withNoLeaks(async () => {
      const d = await loadDetector({ onnx: new Uint8Array(bytes) });
      await d.explain(pixels, { topk: 2 });
      d.dispose();
    });
  });
});

describe("a checkpoint with runtime: 'onnx'", () => {
  test('keeps its tfjs model, scores as tfjs does, hashes the same weights', async () => {
    const d = await loadDetectorFromPath(ckptDir, { runtime: 'onnx' });
    try {
      expect(d.runtime).toBe('onnx');
      expect(d.model).not.toBeNull();
      const pixels = {
        data: new Uint8Array(96 * 80 * 3).map((_, k) => (k * 7) % 256),
        width: 96,
        height: 80,
      };
      const [a, b] = [await tfjs.detect(pixels), await d.detect(pixels)];
      expect(maxRelative(a.patchMap!.data, b.patchMap!.data)).toBeLessThan(1e-4);
      expect(await d.weightsSha256()).toBe(await tfjs.weightsSha256());
    } finally {
      d.dispose();
    }
  });

  test('leaves no tensor behind', async () => {
    const pixels = { data: new Uint8Array(SIZE * SIZE * 3).fill(30), width: SIZE, height: SIZE };
    await withNoLeaks(async () => {
      const { model, metadata, manifest } = await loadCheckpoint(ckptDir);
      const d = await loadDetector({ model, metadata, manifest }, { runtime: 'onnx' });
      await d.detect(pixels);
      d.dispose();
    });
  });
});

describe('bad input', () => {
  test('a missing file, a folder, runtime tfjs for an .onnx file, an unknown runtime', async () => {
    await expect(loadDetectorFromPath(join(tmp.dir, 'nope.onnx'))).rejects.toThrow(
      /no ONNX file at '.*nope\.onnx': export one with `npm run export-onnx/,
    );
    await expect(loadDetectorFromPath(onnxFile, { runtime: 'tfjs' })).rejects.toThrow(
      /runs on onnxruntime: drop runtime 'tfjs'/,
    );
    await expect(loadDetectorFromPath(ckptDir, { runtime: 'onnxx' as never })).rejects.toThrow(
      /unknown runtime "onnxx"; one of tfjs \| onnx/,
    );
  });

  test('bytes that are not ONNX, a truncated file, an ONNX model patchfx did not write', async () => {
    const png = readFileSync(
      join(
        ROOT,
        'docs',
        'images',
        readdirSync(join(ROOT, 'docs', 'images')).find((f) => f.endsWith('.png'))!,
      ),
    );
    await expect(loadDetector({ onnx: new Uint8Array(png), where: 'face.png' })).rejects.toThrow(
      /face\.png is not an ONNX model .*export one with `npm run export-onnx`/,
    );
    const bytes = readFileSync(onnxFile);
    expect(() =>
      readOnnxInfo(new Uint8Array(bytes.subarray(0, bytes.length >> 1)), 'half.onnx'),
    ).toThrow(/half\.onnx is not an ONNX model/);
    const foreign = encodeModel({
      ir_version: 7,
      producer_name: 'pytorch',
      producer_version: '2.1',
      doc_string: '',
      opset_import: [{ domain: '', version: 13 }],
      metadata_props: [],
      graph: { name: 'g', node: [], initializer: [], input: [], output: [] },
    });
    await expect(loadDetector({ onnx: foreign, where: 'torch.onnx' })).rejects.toThrow(
      /torch\.onnx is an ONNX model but not one patchfx exported \(producer 'pytorch'.*`npm run export-onnx`/,
    );
  });
});
