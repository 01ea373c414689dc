/**
 * A tiny FaceForensics++ tree of generated videos (`--smoke` and the tests): synthetic-benchmark
 * portraits on a larger grey canvas, moving a pixel per frame, encoded losslessly with ffmpeg;
 * each manipulated video is its original with a magenta rectangle over the mouth.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, createImage, mixSeeds, uniformStream, type RgbImage } from '@patchfx/data';
import { writeVideo } from '@patchfx/data/node';
import { FACE_PARTS, renderScene } from '@patchfx/segment';

/** Canvas of every fixture frame, and the portrait's side. */
export const FIXTURE_FRAME = Object.freeze({ width: 256, height: 224, face: 128, grey: 60 });

/** The colour painted over the mouth in manipulated frames. */
export const FIXTURE_MARK = Object.freeze([255, 0, 255] as const);

/** One (target, source) pair of the fixture. */
export interface FixturePair {
  readonly target: string;
  readonly source: string;
  /** Frames of the original video. */
  readonly frames: number;
  /** Frames of the manipulated video. @defaultValue frames */
  readonly manipulatedFrames?: number;
  /** Frames that are plain grey (no face) in both videos. */
  readonly blank?: readonly number[];
  /** Write no manipulated video (a missing video). */
  readonly missing?: boolean;
}

/** What {@link writeFixture} builds. */
export interface FixtureSpec {
  readonly manipulation: string;
  readonly compression: string;
  /** Pairs of each split, written to `<splits>/<split>.json` in this order. */
  readonly splits: Readonly<Record<'train' | 'val' | 'test', readonly FixturePair[]>>;
}

/** Where {@link writeFixture} put things. */
export interface FixtureLayout {
  /** The FaceForensics++ root (`--raw`). */
  readonly raw: string;
  /** The folder of `train.json`, `val.json`, `test.json` (`--splits`). */
  readonly splits: string;
  /** Frame `k` of a target's original video and the mouth rectangle painted on its copy. */
  readonly frame: (target: string, k: number) => { image: RgbImage; mark: Rect };
}

/** A rectangle in frame pixels: `x0 ≤ x < x1`, `y0 ≤ y < y1`. */
export interface Rect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

function portrait(target: string): { rgb: Uint8Array; mouth: Rect } {
  const face: number = FIXTURE_FRAME.face;
  const scene = renderScene(
    { size: face, hatProbability: 0 },
    uniformStream(mixSeeds(7, crc32(new TextEncoder().encode(target)))),
  );
  const mouthId = FACE_PARTS.indexOf('mouth');
  let [x0, y0, x1, y1] = [face, face, 0, 0];
  for (let i = 0; i < scene.labels.length; i++) {
    if (scene.labels[i] !== mouthId) continue;
    const x = i % face;
    const y = Math.floor(i / face);
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + 1), Math.max(y1, y + 1)];
  }
  if (x1 <= x0) throw new Error(`the fixture portrait of '${target}' has no mouth`);
  return { rgb: Uint8Array.from(scene.rgb, (v) => Math.round(v * 255)), mouth: { x0, y0, x1, y1 } };
}

function frameOf(
  p: { rgb: Uint8Array; mouth: Rect },
  k: number,
  blank: boolean,
): { image: RgbImage; mark: Rect } {
  const { width: W, height: H, face, grey } = FIXTURE_FRAME;
  const image = createImage(W, H, new Uint8Array(W * H * 3).fill(grey));
  // moving a little, frame by frame; the alignment square stays inside the frame
  const ox = 60 + (k % 8);
  const oy = 48 + (k % 3);
  if (!blank) {
    for (let y = 0; y < face; y++)
      image.data.set(p.rgb.subarray(y * face * 3, (y + 1) * face * 3), ((y + oy) * W + ox) * 3);
  }
  const m = p.mouth;
  return { image, mark: { x0: m.x0 + ox, y0: m.y0 + oy, x1: m.x1 + ox, y1: m.y1 + oy } };
}

function marked(image: RgbImage, r: Rect): RgbImage {
  const out = createImage(image.width, image.height, image.data.slice());
  for (let y = r.y0; y < r.y1; y++)
    for (let x = r.x0; x < r.x1; x++) out.data.set(FIXTURE_MARK, (y * image.width + x) * 3);
  return out;
}

/**
 * Writes the tree `<root>/raw/{original_sequences/youtube,manipulated_sequences/<m>}/<c>/videos/`
 * and `<root>/splits/{train,val,test}.json` (lossless H.264 at 25 fps).
 *
 * @throws When ffmpeg is missing (with the install hint) or fails.
 */
export async function writeFixture(root: string, spec: FixtureSpec): Promise<FixtureLayout> {
  const raw = join(root, 'raw');
  const splits = join(root, 'splits');
  const origDir = join(raw, 'original_sequences', 'youtube', spec.compression, 'videos');
  const manDir = join(raw, 'manipulated_sequences', spec.manipulation, spec.compression, 'videos');
  mkdirSync(origDir, { recursive: true });
  mkdirSync(manDir, { recursive: true });
  mkdirSync(splits, { recursive: true });
  const portraits = new Map<string, { rgb: Uint8Array; mouth: Rect }>();
  const get = (t: string) => {
    if (!portraits.has(t)) portraits.set(t, portrait(t));
    return portraits.get(t)!;
  };
  for (const [split, pairs] of Object.entries(spec.splits)) {
    writeFileSync(
      join(splits, `${split}.json`),
      JSON.stringify(pairs.map((p) => [p.target, p.source])),
    );
    for (const p of pairs) {
      const blank = new Set(p.blank ?? []);
      const frames = Array.from({ length: p.frames }, (_, k) =>
        frameOf(get(p.target), k, blank.has(k)),
      );
      await writeVideo(
        join(origDir, `${p.target}.mp4`),
        frames.map((f) => f.image),
      );
      if (p.missing) continue;
      await writeVideo(
        join(manDir, `${p.target}_${p.source}.mp4`),
        frames.slice(0, p.manipulatedFrames ?? p.frames).map((f) => marked(f.image, f.mark)),
      );
    }
  }
  return {
    raw,
    splits,
    frame: (target, k) => frameOf(get(target), k, false),
  };
}
