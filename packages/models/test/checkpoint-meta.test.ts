/**
 * A checkpoint carries its own preprocessing and calibration (`checkpoint.json`): a folder
 * copied alone runs as in its run folder, older checkpoints warn about what was assumed,
 * damaged fields are errors naming the file, and explicit options override what is stored.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, inject, test } from 'vitest';
import { createImage, encodeJpeg, type RgbImage } from '@patchfx/data';
import { calibrateThresholdAtFpr } from '@patchfx/metrics';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator, checkpointPreprocessing } from '../src/index.js';
import { Adam } from '../src/train/index.js';
import {
  abstainBand,
  describeDecision,
  fitCalibration,
  classifyScore,
} from '../src/detector/index.js';
import {
  calibrateCheckpoints,
  checkpointSink,
  loadCheckpoint,
  loadDetectorFromPath,
  saveCheckpoint,
} from '../src/node/index.js';

const backend = inject('backend');

function image(seed: number, side = 48): RgbImage {
  const img = createImage(side, side);
  for (let k = 0; k < img.data.length; k++) img.data[k] = (k * (7 + seed) + seed * 31) & 255;
  return img;
}

async function saveSeeded(dir: string, extra: Record<string, unknown> = {}) {
  const model = buildPatchDiscriminator('xception_block1', { seed: 3, initGain: 1 });
  try {
    await saveCheckpoint(dir, { model, ...extra });
  } finally {
    model.dispose();
  }
}

describe(`checkpoint metadata on ${backend}`, () => {
  test('bestval copied alone runs at the size it was trained at, with the same score', async () => {
    const { dir, remove } = makeTempDir();
    try {
      // As the train program saves: a sink with the run's preprocessing, opt.yml beside.
      const run = join(dir, 'run');
      const model = buildPatchDiscriminator('xception_block1', { seed: 3, initGain: 1 });
      const optimizer = new Adam();
      try {
        const sink = checkpointSink(run, {
          preprocessing: checkpointPreprocessing({ loadSize: 40, fineSize: 36, crop: 'random' }),
        });
        await sink.save('bestval', { model, optimizer, state: { epoch: 0 } });
      } finally {
        optimizer.dispose();
        model.dispose();
      }
      writeFileSync(join(run, 'opt.yml'), 'loadSize: 40\nfineSize: 36\n');
      const manifest = JSON.parse(readFileSync(join(run, 'bestval', 'checkpoint.json'), 'utf8'));
      expect(manifest.preprocessing).toEqual({
        loadSize: 40,
        fineSize: 36,
        crop: 'random',
        resample: 'lanczos',
        normalization: { scale: 255, mean: 0.5, std: 0.5 },
      });
      const deployed = join(dir, 'app', 'model');
      cpSync(join(run, 'bestval'), deployed, { recursive: true });
      const warnings: string[] = [];
      const onWarning = (m: string) => warnings.push(m);
      const inPlace = await loadDetectorFromPath(join(run, 'bestval'), { onWarning });
      const alone = await loadDetectorFromPath(deployed, { onWarning });
      try {
        expect(inPlace.sizes).toEqual({ loadSize: 40, fineSize: 36, sizeSource: 'checkpoint' });
        expect(alone.sizes).toEqual(inPlace.sizes);
        const a = await withNoLeaks(() => inPlace.detect(image(1)));
        const b = await withNoLeaks(() => alone.detect(image(1)));
        expect(b.score).toBe(a.score);
        expect(b.preprocessing).toEqual(a.preprocessing);
        expect(b.preprocessing.sizeSource).toBe('checkpoint');
        expect([b.patchMap!.height, b.patchMap!.width]).toEqual([9, 9]);
        expect(warnings).toEqual([]);
        // Explicit options still win.
        const opts = await loadDetectorFromPath(deployed, { loadSize: 32, onWarning });
        expect(opts.sizes).toEqual({ loadSize: 32, fineSize: 36, sizeSource: 'options' });
        opts.dispose();
      } finally {
        inPlace.dispose();
        alone.dispose();
      }
    } finally {
      remove();
    }
  });

  test('a checkpoint without preprocessing (older patchfx) warns what was assumed and from where', async () => {
    const { dir, remove } = makeTempDir();
    try {
      await saveSeeded(join(dir, 'run', 'bestval'));
      writeFileSync(join(dir, 'run', 'opt.yml'), 'loadSize: 40\nfineSize: 40\n');
      const warnings: string[] = [];
      const onWarning = (m: string) => warnings.push(m);
      const withYml = await loadDetectorFromPath(join(dir, 'run', 'bestval'), { onWarning });
      expect(withYml.sizes).toEqual({ loadSize: 40, fineSize: 40, sizeSource: 'opt.yml' });
      withYml.dispose();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /bestval' does not record its preprocessing .*assumed loadSize 40, fineSize 40 from the opt\.yml of the run folder above it.*pass loadSize\/fineSize/,
      );
      cpSync(join(dir, 'run', 'bestval'), join(dir, 'alone'), { recursive: true });
      const alone = await loadDetectorFromPath(join(dir, 'alone'), { onWarning });
      expect(alone.sizes).toEqual({ loadSize: 299, fineSize: 299, sizeSource: 'default' });
      alone.dispose();
      expect(warnings[1]).toMatch(
        /alone' does not record its preprocessing .*assumed loadSize 299, fineSize 299 from the reference size of xception_block1 \(opt\.yml not found\)/,
      );
      // Nothing assumed, nothing said.
      const told = await loadDetectorFromPath(join(dir, 'alone'), { loadSize: 40, onWarning });
      told.dispose();
      expect(warnings).toHaveLength(2);
    } finally {
      remove();
    }
  });

  test('a damaged preprocessing, calibration or training field is an error naming checkpoint.json', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const ck = join(dir, 'bestval');
      const training = {
        backend: 'wasm',
        batchSize: 32,
        threads: 2,
        imagesPerPass: 16,
        batchNormImages: 32,
        batchNormSynchronised: true,
      };
      await saveSeeded(ck, { preprocessing: checkpointPreprocessing({ loadSize: 40 }), training });
      const file = join(ck, 'checkpoint.json');
      const good = JSON.parse(readFileSync(file, 'utf8'));
      // The training record round-trips.
      expect(good.training).toEqual(training);
      const loaded = await loadCheckpoint(ck);
      loaded.model.dispose();
      expect(loaded.manifest.training).toEqual(training);
      const cases = [
        [
          { ...good, training: { ...training, batchNormImages: 0 } },
          /training: batchNormImages is 0/,
        ],
        [
          { ...good, training: { ...training, batchNormSynchronised: 'yes' } },
          /training: expected a string 'backend' and a boolean 'batchNormSynchronised'/,
        ],
        [{ ...good, preprocessing: { ...good.preprocessing, loadSize: -3 } }, /loadSize is -3/],
        [{ ...good, preprocessing: { ...good.preprocessing, crop: 'left' } }, /crop is "left"/],
        [
          { ...good, preprocessing: { ...good.preprocessing, normalization: { scale: 1 } } },
          /normalization .*only normalisation patchfx applies/,
        ],
        [{ ...good, calibration: { threshold: 'x' } }, /calibration: threshold is "x"/],
      ] as const;
      for (const [manifest, message] of cases) {
        writeFileSync(file, JSON.stringify(manifest));
        for (const load of [() => loadDetectorFromPath(ck), () => loadCheckpoint(ck)] as const) {
          const run = async () => void (await load());
          await expect(withNoLeaks(run)).rejects.toThrow(message);
          await expect(run()).rejects.toThrow(/bestval\/checkpoint\.json is damaged/);
        }
      }
      expect(() => checkpointPreprocessing({ loadSize: 0 })).toThrow(/loadSize is 0/);
    } finally {
      remove();
    }
  });

  test('fitCalibration: threshold at the target FPR, lower edge at the target FNR', () => {
    const reals = Array.from({ length: 20 }, (_, i) => i / 40); // 0 … 0.475
    const fakes = Array.from({ length: 20 }, (_, i) => 0.3 + i / 30); // 0.3 … 0.933
    const c = fitCalibration(reals, fakes, { targetFpr: 0.1, targetFnr: 0.1 });
    expect(c.threshold).toBe(calibrateThresholdAtFpr(reals, 0.1).threshold);
    expect(c.fpr).toBeLessThanOrEqual(0.1);
    const { lower, upper, fnr, fakeCount } = c.band!;
    expect(upper).toBe(c.threshold);
    expect(lower).toBeLessThan(upper);
    expect(fakeCount).toBe(20);
    const fakesReal = fakes.filter((s) => s <= lower).length;
    expect(fnr).toBe(fakesReal / 20);
    expect(fakesReal).toBeLessThanOrEqual(2);
    // The edge is as high as the FNR allows: the next score up would call a third fake real.
    const above = [...reals, ...fakes].filter((s) => s > lower).sort((a, b) => a - b)[0];
    expect(fakes.filter((s) => s <= above).length).toBeGreaterThan(2);
    // Every validation score gets the label the rates promise.
    const fakeLabels = fakes.map((s) => classifyScore(s, [lower, upper]));
    expect(fakeLabels.filter((l) => l === 'real').length).toBe(fakesReal);
    // Separated classes: no band.
    const sep = fitCalibration([0.1, 0.2, 0.3], [0.7, 0.8, 0.9], { targetFpr: 0, targetFnr: 0 });
    expect([sep.band!.lower, sep.band!.upper, sep.band!.fnr]).toEqual([0.3, 0.3, 0]);
    // Nothing below the lowest fake: just below it.
    const all = fitCalibration([0.5, 0.6], [0.5, 0.9], { targetFpr: 0, targetFnr: 0 });
    expect(all.band!.lower).toBeLessThan(0.5);
    expect(all.band!.lower).toBeGreaterThan(0.4999999);
    expect(() => fitCalibration([0.1], [], {})).toThrow(/both classes, got 1 real and 0 fake/);
    expect(() => fitCalibration([0.1], [0.2], { targetFnr: 1 })).toThrow(/targetFnr .*\[0, 1\)/);
  });

  test('calibrateCheckpoints stores a calibration that the detector uses; explicit options override it', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const run = join(dir, 'run');
      const preprocessing = checkpointPreprocessing({ loadSize: 40 });
      await saveSeeded(join(run, 'bestval'), { preprocessing });
      await saveSeeded(join(run, 'latest'), { preprocessing });
      const write = async (cls: string, seeds: number[]) => {
        mkdirSync(join(dir, 'data', cls, 'val'), { recursive: true });
        return Promise.all(
          seeds.map(async (k) => {
            const file = join(dir, 'data', cls, 'val', `${k}.jpg`);
            writeFileSync(file, await encodeJpeg(image(k), 95));
            return file;
          }),
        );
      };
      const real = await write('real', [0, 1, 2, 3]);
      const fake = await write('fake', [4, 5, 6, 7]);
      const plain = await loadDetectorFromPath(join(run, 'bestval'));
      const r = await Promise.all(real.map(async (x) => (await plain.detect(x)).score));
      const f = await Promise.all(fake.map(async (x) => (await plain.detect(x)).score));
      plain.dispose();
      const done = await withNoLeaks(() =>
        calibrateCheckpoints(run, { real, fake, targetFpr: 0.25, targetFnr: 0.25 }),
      );
      expect(done.map((c) => c.tag)).toEqual(['bestval', 'latest']);
      const expected = fitCalibration(r, f, { targetFpr: 0.25, targetFnr: 0.25 });
      const calibration = done[0].calibration;
      expect({ ...calibration, fittedOn: undefined }).toEqual({ ...expected, fittedOn: undefined });
      expect(calibration.fittedOn).toMatchObject({
        split: 'val',
        realFolder: join(dir, 'data', 'real', 'val'),
        fakeFolder: join(dir, 'data', 'fake', 'val'),
        checkpoint: 'bestval',
        model: 'xception_block1',
      });
      expect(calibration.fittedOn!.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(done[1].calibration.fittedOn!.checkpoint).toBe('latest');
      const stored = JSON.parse(readFileSync(join(run, 'latest', 'checkpoint.json'), 'utf8'));
      expect(stored.calibration).toEqual(done[1].calibration);
      expect(stored.preprocessing).toEqual(preprocessing);

      const d = await loadDetectorFromPath(join(run, 'bestval'));
      try {
        expect(d.decision).toEqual({
          threshold: calibration.threshold,
          lower: calibration.band!.lower,
          upper: calibration.band!.upper,
          abstainOddsRatio: null,
          calibration,
        });
        const labels = await Promise.all(real.map(async (x) => (await d.detect(x)).label));
        expect(labels).toEqual(r.map((s) => classifyScore(s, d.decision)));
        const report = await withNoLeaks(() => d.report(real[0]));
        expect(report.decision.calibration).toEqual(calibration);
        const ajv = new Ajv2020({ allErrors: true, strict: true });
        ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
        const schema = readFileSync(resolve(__dirname, '../../../docs/report.schema.json'), 'utf8');
        const validate = ajv.compile(JSON.parse(schema));
        expect(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors)).toBe(
          true,
        );
        expect(report.decision.summary).toBe(describeDecision(d.decision));
        expect(report.decision.summary).toMatch(
          /calibrated on the val split \(4 real \+ 4 fake images from .*real\/val and .*fake\/val\) with bestval of xception_block1 .*FPR ≤ 25 %.*FNR ≤ 25 %/,
        );
      } finally {
        d.dispose();
      }
      const ck = join(run, 'bestval');
      const t = await loadDetectorFromPath(ck, { threshold: 0.7 });
      expect(t.decision.calibration).toBeNull();
      expect(t.decision.threshold).toBe(0.7);
      t.dispose();
      const none = await loadDetectorFromPath(ck, { calibration: null });
      expect(none.decision.upper).toBe(0.6);
      none.dispose();
      const odds = await loadDetectorFromPath(ck, { abstainOddsRatio: 2 });
      expect(odds.decision.threshold).toBe(calibration.threshold);
      expect([odds.decision.lower, odds.decision.upper]).toEqual(
        abstainBand(calibration.threshold, 2),
      );
      expect(odds.decision.calibration?.band).toBeUndefined();
      odds.dispose();
      await expect(calibrateCheckpoints(run, { real: [], fake })).rejects.toThrow(
        /needs real and fake images, got 0 real and 4 fake/,
      );
      writeFileSync(join(dir, 'data', 'real', 'val', 'bad.png'), new Uint8Array(10));
      const bad = [...real, join(dir, 'data', 'real', 'val', 'bad.png')];
      await expect(calibrateCheckpoints(run, { real: bad, fake })).rejects.toThrow(
        /bad\.png.*--skip_bad_files/,
      );
      const warnings: string[] = [];
      await calibrateCheckpoints(run, {
        real: bad,
        fake,
        skipBadFiles: true,
        onWarning: (m) => warnings.push(m),
      });
      expect(warnings[0]).toMatch(/calibration skipped .*bad\.png/);
    } finally {
      remove();
    }
  });
});
