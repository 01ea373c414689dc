// alignVideoPair on lossless videos made with ffmpeg from a faces-dev photo: the draw picks the
// frame the face is found on, both frames get that frame's alignment, no-face frames and
// videos of different lengths or sizes.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createImage, type RgbImage } from '@patchfx/data';
import { loadImageFile, writeVideo } from '@patchfx/data/node';
import {
  childProcesses,
  FACES_DEV_DIR,
  hasSharedFaces,
  makeTempDir,
  withNoLeaks,
} from '@patchfx/test-utils';
import { alignFaceWithPoints, type FaceLandmarker } from '../src/index.js';
import { alignVideoPair, createFaceLandmarker, type VideoPairFrame } from '../src/node/index.js';

/** The photo at (x, y) on a grey 224×192 canvas. */
function onCanvas(photo: RgbImage | null, x: number, y: number): RgbImage {
  const W = 224;
  const out = createImage(W, 192, new Uint8Array(W * 192 * 3).fill(90));
  if (photo) {
    for (let r = 0; r < photo.height; r++)
      out.data.set(
        photo.data.subarray(r * photo.width * 3, (r + 1) * photo.width * 3),
        ((r + y) * W + x) * 3,
      );
  }
  return out;
}

/** A copy with a red box over the mouth of a canvas made by {@link onCanvas} at (x, y). */
function withBox(image: RgbImage, x: number, y: number): RgbImage {
  const out = createImage(image.width, image.height, image.data.slice());
  for (let r = y + 88; r < y + 102; r++)
    for (let c = x + 50; c < x + 78; c++) out.data.set([255, 0, 0], (r * image.width + c) * 3);
  return out;
}

const same = (a: RgbImage, b: RgbImage) => Buffer.from(a.data).equals(Buffer.from(b.data));

// the landmarker is slow on the cpu backend: wasm only, as align.test.ts
describe.skipIf(!hasSharedFaces || inject('backend') !== 'wasm')('alignVideoPair', () => {
  const tmp = makeTempDir('patchfx-pair-');
  let landmarker: FaceLandmarker;
  let original: RgbImage[];
  let manipulated: RgbImage[];
  const path = (name: string) => join(tmp.dir, name);

  beforeAll(async () => {
    const photo = await loadImageFile(join(FACES_DEV_DIR, 'real', 'test', 'alae_00015.png'));
    original = [onCanvas(photo, 40, 30), onCanvas(photo, 46, 32), onCanvas(null, 0, 0)];
    manipulated = [withBox(original[0], 40, 30), withBox(original[1], 46, 32), original[2]];
    await writeVideo(path('o.mp4'), original);
    await writeVideo(path('m.mp4'), manipulated);
    await writeVideo(path('short.mp4'), manipulated.slice(0, 1));
    await writeVideo(path('small.mp4'), [createImage(64, 64)]);
    landmarker = await createFaceLandmarker();
  }, 60_000);
  afterAll(() => {
    landmarker?.dispose();
    tmp.remove();
  });

  const collect = async (it: AsyncIterable<VideoPairFrame>) => {
    const out: VideoPairFrame[] = [];
    for await (const p of it) out.push(p);
    return out;
  };

  for (const [draw, side] of [
    [0.9, 'manipulated'],
    [0.3, 'original'],
  ] as const) {
    test(`draw ${draw}: the face is found on the ${side} frame and cut from both`, async () => {
      const pairs = await withNoLeaks(() =>
        collect(
          alignVideoPair(path('o.mp4'), path('m.mp4'), {
            landmarker,
            random: () => draw,
            size: 64,
          }),
        ),
      );
      expect(pairs.map((p) => [p.index, p.status, p.detectedOn])).toEqual([
        [0, 'aligned', side],
        [1, 'aligned', side],
        [2, 'no-face', side],
      ]);
      for (const p of pairs) {
        if (p.status !== 'aligned') continue;
        const frames = side === 'manipulated' ? manipulated : original;
        const [face] = await landmarker.detect(frames[p.index]);
        expect(p.face.points).toEqual(face.points);
        const o = alignFaceWithPoints(original[p.index], face.points, { size: 64 });
        const m = alignFaceWithPoints(manipulated[p.index], face.points, { size: 64 });
        expect(same(p.original, o.image) && same(p.manipulated, m.image)).toBe(true);
        expect(same(p.original, p.manipulated)).toBe(false); // the box is in the crop
        expect(p.quad).toEqual(o.quad);
      }
    });
  }

  test('stopping after the first pair ends both ffmpeg processes', async () => {
    for await (const p of alignVideoPair(path('o.mp4'), path('m.mp4'), {
      landmarker,
      random: () => 0,
    })) {
      expect(p.index).toBe(0);
      break;
    }
    expect(childProcesses().filter((c) => c.comm === 'ffmpeg')).toEqual([]);
  });

  test('a shorter video: pairs stop there, with a warning', async () => {
    const warnings: string[] = [];
    const pairs = await collect(
      alignVideoPair(path('o.mp4'), path('short.mp4'), {
        landmarker,
        random: () => 0.9,
        onWarning: (m) => warnings.push(m),
      }),
    );
    expect(pairs.map((p) => p.index)).toEqual([0]);
    expect(warnings).toEqual([
      `'${path('short.mp4')}' ends after 1 frames, '${path('o.mp4')}' has more: stopped at the shorter`,
    ]);
  });

  test('frames of different sizes are not a pair; a missing video is named', async () => {
    await expect(
      collect(alignVideoPair(path('o.mp4'), path('small.mp4'), { landmarker, random: () => 0 })),
    ).rejects.toThrow(/\(224×192\) and '.*small\.mp4' \(64×64\) differ in size/);
    await expect(
      collect(alignVideoPair(path('o.mp4'), path('none.mp4'), { landmarker, random: () => 0 })),
    ).rejects.toThrow(`video file not found: '${path('none.mp4')}'`);
  });
});
