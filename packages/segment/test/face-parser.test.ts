/**
 * The face parser on real photos (faces-dev). The models run on wasm only: on the cpu backend
 * one 128-px face takes seconds.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createImage } from '@patchfx/data';
import { loadImageFile } from '@patchfx/data/node';
import { FACES_DEV_DIR, hasSharedFaces, withNoLeaks } from '@patchfx/test-utils';
import {
  clusterOf,
  FACE_MESH_REGIONS,
  type FacePartMap,
  type Point,
  type Segmenter,
} from '../src/index.js';
import { createSegmenter } from '../src/node/index.js';

/**
 * Eye centres and mouth corners read by hand off 8× enlargements of three real test photos
 * (pixel-index coordinates, about ±1.5 px): an independent check of the landmark model.
 */
const HAND = {
  'alae_00036.png': {
    leftEye: [42.3, 49.8],
    rightEye: [84.7, 49.6],
    mouthLeft: [44.7, 91.5],
    mouthRight: [84.7, 90.3],
  },
  'alae_00049.png': {
    leftEye: [42.9, 49.6],
    rightEye: [83.5, 49.6],
    mouthLeft: [46.0, 89.3],
    mouthRight: [79.8, 89.6],
  },
  'alae_00067.png': {
    leftEye: [42.3, 49.6],
    rightEye: [84.1, 49.6],
    mouthLeft: [41.6, 89.3],
    mouthRight: [84.8, 88.4],
  },
} as const;

function centroid(map: FacePartMap, accept: (name: string) => boolean): [number, number, number] {
  let x = 0;
  let y = 0;
  let n = 0;
  for (let k = 0; k < map.labels.length; k++) {
    if (!accept(map.parts[map.labels[k]])) continue;
    x += k % map.width;
    y += Math.floor(k / map.width);
    n++;
  }
  return [x / n, y / n, n];
}

const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);

describe.skipIf(!hasSharedFaces || inject('backend') !== 'wasm')(
  'face parser on real photos',
  () => {
    let parser: Segmenter;
    beforeAll(async () => {
      parser = await createSegmenter({ kind: 'face-parser' });
    });
    afterAll(() => parser?.dispose());

    for (const [file, hand] of Object.entries(HAND)) {
      test(`${file}: landmarks and parts where the face is`, async () => {
        const image = await loadImageFile(join(FACES_DEV_DIR, 'real', 'test', file));
        const map = (await withNoLeaks(() => parser.segment(image))) as FacePartMap;
        expect([map.width, map.height]).toEqual([128, 128]);
        const face = map.face;
        expect(face).not.toBeNull();
        if (!face) return;
        expect(face.score).toBeGreaterThan(0.8);
        // the five alignment points agree with the hand-read ones
        for (const k of ['leftEye', 'rightEye', 'mouthLeft', 'mouthRight'] as const) {
          expect(dist(face.points[k], hand[k]), k).toBeLessThan(3);
        }
        // each eye part lies on its eye: centroid within 2 px of the eye landmarks' centre
        const [lx, ly, ln] = centroid(map, (p) => p === 'left_eye');
        const [rx, ry, rn] = centroid(map, (p) => p === 'right_eye');
        expect(ln).toBeGreaterThan(10);
        expect(rn).toBeGreaterThan(10);
        expect(dist([lx, ly], face.points.leftEye)).toBeLessThan(2);
        expect(dist([rx, ry], face.points.rightEye)).toBeLessThan(2);
        expect(dist([lx, ly], hand.leftEye)).toBeLessThan(3.5);
        expect(dist([rx, ry], hand.rightEye)).toBeLessThan(3.5);
        // top to bottom: brows, eyes, nose, mouth; the mouth between the mouth corners
        const brows = centroid(map, (p) => clusterOf(p) === 'brows');
        const eyes = centroid(map, (p) => clusterOf(p) === 'eye');
        const nose = centroid(map, (p) => p === 'nose');
        const mouth = centroid(map, (p) => clusterOf(p) === 'mouth');
        expect(brows[1]).toBeLessThan(eyes[1] - 3);
        expect(eyes[1]).toBeLessThan(nose[1] - 5);
        expect(nose[1]).toBeLessThan(mouth[1] - 5);
        expect(mouth[0]).toBeGreaterThan(hand.mouthLeft[0]);
        expect(mouth[0]).toBeLessThan(hand.mouthRight[0]);
        // smiles bend the mouth below its corners
        const corners = (hand.mouthLeft[1] + hand.mouthRight[1]) / 2;
        expect(mouth[1]).toBeGreaterThan(corners - 3);
        expect(mouth[1]).toBeLessThan(corners + 9);
        // the nose sits between the eyes horizontally
        expect(nose[0]).toBeGreaterThan(hand.leftEye[0]);
        expect(nose[0]).toBeLessThan(hand.rightEye[0]);
        // skin is the largest face part and hair is found above the eyes
        const skin = centroid(map, (p) => p === 'skin');
        const hair = centroid(map, (p) => p === 'hair');
        expect(skin[2]).toBeGreaterThan(0.2 * 128 * 128);
        expect(hair[2]).toBeGreaterThan(0.05 * 128 * 128);
        expect(hair[1]).toBeLessThan(eyes[1]);
      });
    }

    test('every face-oval pixel is a face part, never background or clothes', async () => {
      const image = await loadImageFile(join(FACES_DEV_DIR, 'real', 'test', 'alae_00049.png'));
      const map = (await parser.segment(image)) as FacePartMap;
      const oval = FACE_MESH_REGIONS.faceOval.map((k) => map.face!.mesh[k]) as Point[];
      const [cx, cy] = oval.reduce(
        (a, p) => [a[0] + p[0] / oval.length, a[1] + p[1] / oval.length],
        [0, 0],
      );
      // a 20×20 box round the oval's centre lies inside the face
      for (let y = Math.round(cy) - 10; y < Math.round(cy) + 10; y++) {
        for (let x = Math.round(cx) - 10; x < Math.round(cx) + 10; x++) {
          const part = clusterOf(map.parts[map.labels[y * 128 + x]]);
          expect(['skin', 'nose', 'eye', 'brows', 'mouth']).toContain(part);
        }
      }
    });

    test('a flat grey image has no face: all background, face null', async () => {
      const grey = createImage(96, 80, new Uint8Array(96 * 80 * 3).fill(128));
      const map = (await withNoLeaks(() => parser.segment(grey, { inputSize: 64 }))) as FacePartMap;
      expect(map.face).toBeNull();
      expect([map.width, map.height]).toEqual([64, 64]);
      expect(map.labels.every((id) => map.parts[id] === 'background')).toBe(true);
    });

    test('reads files itself and maps onto the input grid', async () => {
      const path = join(FACES_DEV_DIR, 'fake', 'test', 'basemax_127.png');
      const full = (await parser.segment(path)) as FacePartMap;
      const small = (await parser.segment(path, { inputSize: 64 })) as FacePartMap;
      expect(full.face).not.toBeNull();
      expect([small.width, small.height]).toEqual([64, 64]);
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          expect(small.labels[y * 64 + x]).toBe(full.labels[2 * y * 128 + 2 * x]);
        }
      }
    });
  },
);
