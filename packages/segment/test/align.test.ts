import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createImage, type RgbImage } from '@patchfx/data';
import { loadImageFile } from '@patchfx/data/node';
import { FACES_DEV_DIR, hasSharedFaces, withNoLeaks } from '@patchfx/test-utils';
import {
  alignFace as alignWithLandmarker,
  alignFaceWithPoints,
  alignmentQuad,
  toAlignedCoordinates,
  type FaceLandmarker,
  type FivePoints,
  type Point,
} from '../src/index.js';
import { alignFace, createFaceLandmarker } from '../src/node/index.js';

const rotate = (p: Point, deg: number, c: Point = [0, 0]): Point => {
  const a = (deg * Math.PI) / 180;
  const x = p[0] - c[0];
  const y = p[1] - c[1];
  return [c[0] + x * Math.cos(a) - y * Math.sin(a), c[1] + x * Math.sin(a) + y * Math.cos(a)];
};

const UPRIGHT: FivePoints = {
  leftEye: [40, 50],
  rightEye: [80, 50],
  nose: [60, 70],
  mouthLeft: [45, 90],
  mouthRight: [75, 90],
};

function transform(points: FivePoints, f: (p: Point) => Point): FivePoints {
  return {
    leftEye: f(points.leftEye),
    rightEye: f(points.rightEye),
    nose: f(points.nose),
    mouthLeft: f(points.mouthLeft),
    mouthRight: f(points.mouthRight),
  };
}

const angleOf = (a: Point, b: Point) => (Math.atan2(b[1] - a[1], b[0] - a[0]) * 180) / Math.PI;

describe('alignmentQuad (spec §8 recipe)', () => {
  test('upright face: x along the eyes, scaled by 2·|eye_to_eye|, centre 0.1 of the way to the mouth', () => {
    const q = alignmentQuad(UPRIGHT);
    expect(q.x).toEqual([80, 0]);
    expect(q.y).toEqual([-0, 80]);
    expect(q.center).toEqual([60, 54]);
    expect(q.size).toBe(160);
    expect(q.corners).toEqual([
      [-20, -26],
      [-20, 134],
      [140, 134],
      [140, -26],
    ]);
  });

  test('a long face is scaled by 1.8·|eye_to_mouth| instead', () => {
    const q = alignmentQuad({ ...UPRIGHT, mouthLeft: [45, 110], mouthRight: [75, 110] });
    expect(q.size).toBeCloseTo(2 * 1.8 * 60, 10);
  });

  const angles = [-35, -10, 0, 15, 40];
  for (const deg of angles) {
    test(`rotating the face by ${deg}° rotates the square with it`, () => {
      const q0 = alignmentQuad(UPRIGHT);
      const q = alignmentQuad(transform(UPRIGHT, (p) => rotate(p, deg, [60, 60])));
      expect(angleOf([0, 0], q.x)).toBeCloseTo(deg, 8);
      expect(q.size).toBeCloseTo(q0.size, 8);
      const c = rotate(q0.center, deg, [60, 60]);
      expect(q.center[0]).toBeCloseTo(c[0], 8);
      expect(q.center[1]).toBeCloseTo(c[1], 8);
    });
  }

  test('the eyes land at the FFHQ places: a quarter of the side apart, level, above the centre', () => {
    const q = alignmentQuad(UPRIGHT);
    const left = toAlignedCoordinates(q, 128, UPRIGHT.leftEye);
    const right = toAlignedCoordinates(q, 128, UPRIGHT.rightEye);
    expect(left[0]).toBeCloseTo(0.375 * 128 - 0.5, 10);
    expect(right[0]).toBeCloseTo(0.625 * 128 - 0.5, 10);
    expect(left[1]).toBeCloseTo((0.5 - 4 / 160) * 128 - 0.5, 10);
    expect(right[1]).toBeCloseTo(left[1], 10);
  });

  test('rejects degenerate points', () => {
    const p: Point = [5, 5];
    expect(() =>
      alignmentQuad({ leftEye: p, rightEye: p, nose: p, mouthLeft: p, mouthRight: p }),
    ).toThrow(/degenerate/);
  });
});

/** An image of a grey field with a coloured square dot of side `2r + 1` at each of the points. */
function dotted(width: number, height: number, points: FivePoints, r = 1): RgbImage {
  const image = createImage(width, height, new Uint8Array(width * height * 3).fill(100));
  const colours: Record<keyof FivePoints, [number, number, number]> = {
    leftEye: [255, 0, 0],
    rightEye: [0, 255, 0],
    nose: [0, 0, 255],
    mouthLeft: [255, 255, 0],
    mouthRight: [0, 255, 255],
  };
  for (const [k, [x, y]] of Object.entries(points) as [keyof FivePoints, Point][]) {
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        const o = ((Math.round(y) + dy) * width + Math.round(x) + dx) * 3;
        image.data.set(colours[k], o);
      }
    }
  }
  return image;
}

/** Centroid of the pixels whose colour is near `rgb`, weighted by closeness. */
function findDot(image: RgbImage, rgb: readonly number[]): Point {
  let sx = 0;
  let sy = 0;
  let sw = 0;
  for (let k = 0; k < image.width * image.height; k++) {
    const d = Math.hypot(...[0, 1, 2].map((c) => image.data[3 * k + c] - rgb[c]));
    const w = Math.max(0, 1 - d / 150);
    if (w <= 0) continue;
    sx += w * (k % image.width);
    sy += w * Math.floor(k / image.width);
    sw += w;
  }
  return [sx / sw, sy / sw];
}

describe('alignFaceWithPoints', () => {
  test('a rotated, off-centre face comes out upright with its points where the transform says', () => {
    // a face 3× the size of UPRIGHT, rotated by 25°, in a 400×300 image
    const face = transform(UPRIGHT, (p) => rotate([p[0] * 3 + 60, p[1] * 3 - 30], 25, [240, 150]));
    const image = dotted(400, 300, face, 9);
    const out = alignFaceWithPoints(image, face, { size: 64 });
    expect([out.image.width, out.image.height]).toEqual([64, 64]);
    const left = findDot(out.image, [255, 0, 0]);
    const right = findDot(out.image, [0, 255, 0]);
    expect(
      Math.hypot(left[0] - out.points.leftEye[0], left[1] - out.points.leftEye[1]),
    ).toBeLessThan(0.75);
    expect(
      Math.hypot(right[0] - out.points.rightEye[0], right[1] - out.points.rightEye[1]),
    ).toBeLessThan(0.75);
    expect(Math.abs(angleOf(left, right))).toBeLessThan(1.5);
    expect(out.points.leftEye[0]).toBeCloseTo(0.375 * 64 - 0.5, 6);
    expect(out.points.rightEye[1]).toBeCloseTo(out.points.leftEye[1], 6);
  });

  test('a square reaching past the image is filled from the image (mirrored, blurred), not black', () => {
    const face = transform(UPRIGHT, (p) => [p[0] - 30, p[1] - 35]); // eyes near the top-left corner
    const image = dotted(100, 100, face);
    const out = alignFaceWithPoints(image, face, { size: 32 });
    let darkest = 255;
    for (let k = 0; k < out.image.data.length; k += 3) {
      const isDot =
        out.image.data[k] !== out.image.data[k + 1] ||
        out.image.data[k + 1] !== out.image.data[k + 2];
      if (!isDot) darkest = Math.min(darkest, out.image.data[k]);
    }
    expect(darkest).toBeGreaterThan(80);
    expect(out.image.data[0]).toBeGreaterThan(80);
  });

  test('shrinks big faces first (integer factor) and still places the points', () => {
    const face = transform(UPRIGHT, (p) => [p[0] * 10, p[1] * 10]);
    const image = dotted(1200, 1200, face, 60);
    const out = alignFaceWithPoints(image, face, { size: 32 });
    const left = findDot(out.image, [255, 0, 0]);
    expect(
      Math.hypot(left[0] - out.points.leftEye[0], left[1] - out.points.leftEye[1]),
    ).toBeLessThan(1);
  });

  test('rejects a bad size', () => {
    expect(() => alignFaceWithPoints(createImage(4, 4), UPRIGHT, { size: 0 })).toThrow(
      /size must be a positive integer/,
    );
  });
});

describe.skipIf(!hasSharedFaces || inject('backend') !== 'wasm')('alignFace on real photos', () => {
  let landmarker: FaceLandmarker;
  beforeAll(async () => {
    landmarker = await createFaceLandmarker();
  });
  afterAll(() => landmarker?.dispose());

  for (const file of ['alae_00015.png', 'alae_00049.png', 'alae_00083.png']) {
    test(`${file}: eyes level and where the recipe puts them`, async () => {
      const image = await loadImageFile(join(FACES_DEV_DIR, 'real', 'test', file));
      const r = await withNoLeaks(() => alignWithLandmarker(image, { landmarker, size: 128 }));
      expect(r.status).toBe('aligned');
      if (r.status !== 'aligned') return;
      expect([r.image.width, r.image.height]).toEqual([128, 128]);
      // the recipe's own frame: eyes a quarter of the side apart round the centre, level
      expect(Math.abs(angleOf(r.points.leftEye, r.points.rightEye))).toBeLessThan(3);
      expect(Math.abs(r.points.leftEye[0] - (0.375 * 128 - 0.5))).toBeLessThan(2.5);
      expect(Math.abs(r.points.rightEye[0] - (0.625 * 128 - 0.5))).toBeLessThan(2.5);
      expect(Math.abs(r.points.leftEye[1] - 0.47 * 128)).toBeLessThan(4);
      // and the crop agrees: the landmarker finds the eyes there again
      const again = await landmarker.detect(r.image);
      expect(again).toHaveLength(1);
      const p = again[0].points;
      expect(Math.abs(angleOf(p.leftEye, p.rightEye))).toBeLessThan(3);
      for (const k of ['leftEye', 'rightEye', 'mouthLeft', 'mouthRight'] as const) {
        expect(Math.hypot(p[k][0] - r.points[k][0], p[k][1] - r.points[k][1]), k).toBeLessThan(3);
      }
    });
  }

  test('a flat grey image has no face', async () => {
    const grey = createImage(64, 64, new Uint8Array(64 * 64 * 3).fill(128));
    const r = await alignWithLandmarker(grey, { landmarker, size: 128 });
    expect(r).toEqual({ status: 'no-face', reason: 'no face found in the 64×64 image' });
  });

  test('the Node alignFace reads a file and brings its own landmarker', async () => {
    const r = await alignFace(join(FACES_DEV_DIR, 'fake', 'test', 'basemax_127.png'), { size: 64 });
    expect(r.status).toBe('aligned');
    if (r.status === 'aligned') expect(r.image.width).toBe(64);
  });
});
