/**
 * Face alignment with the CelebA-HQ / FFHQ oriented-crop recipe (spec §8).
 */
import { resizeImage, type RgbImage } from '@patchfx/data';
import { sampleBilinear, type Point } from './face/geometry.js';
import type { FaceLandmarker, FaceLandmarks, FivePoints } from './face/landmarker.js';

/** The oriented square of the recipe, in the source image's pixel-index coordinates. */
export interface AlignmentQuad {
  /** Centre: `eye_avg + 0.1 · eye_to_mouth`. */
  readonly center: Point;
  /** Half-side vector along the crop's x axis. */
  readonly x: Point;
  /** Half-side vector along the crop's y axis (`rot90(x)`). */
  readonly y: Point;
  /** Corners: top-left, bottom-left, bottom-right, top-right (PIL's QUAD order). */
  readonly corners: readonly [Point, Point, Point, Point];
  /** Side length in source pixels (`2 · |x|`). */
  readonly size: number;
}

/**
 * The recipe's oriented square from five points (spec §8):
 * `x = eye_to_eye − rot90(eye_to_mouth)`, normalised and scaled by
 * `max(2·|eye_to_eye|, 1.8·|eye_to_mouth|)`; `y = rot90(x)`;
 * `centre = eye_avg + 0.1·eye_to_mouth`; with `rot90(v) = (−v_y, v_x)` (y pointing down).
 *
 * @param points - Eye centres and mouth corners (the nose is not used by the recipe).
 * @returns The square.
 * @throws When the points are degenerate (eyes and mouth on one spot).
 *
 * @example
 * ```ts doctest
 * import { alignmentQuad } from '@patchfx/segment';
 * const q = alignmentQuad({
 *   leftEye: [40, 50], rightEye: [80, 50], nose: [60, 70],
 *   mouthLeft: [45, 90], mouthRight: [75, 90],
 * });
 * [q.center, q.size]; // => [[60, 54], 160]
 * ```
 */
export function alignmentQuad(points: FivePoints): AlignmentQuad {
  const eyeAvg = [
    (points.leftEye[0] + points.rightEye[0]) / 2,
    (points.leftEye[1] + points.rightEye[1]) / 2,
  ];
  const eyeToEye = [points.rightEye[0] - points.leftEye[0], points.rightEye[1] - points.leftEye[1]];
  const mouthAvg = [
    (points.mouthLeft[0] + points.mouthRight[0]) / 2,
    (points.mouthLeft[1] + points.mouthRight[1]) / 2,
  ];
  const eyeToMouth = [mouthAvg[0] - eyeAvg[0], mouthAvg[1] - eyeAvg[1]];
  const dx = eyeToEye[0] + eyeToMouth[1];
  const dy = eyeToEye[1] - eyeToMouth[0];
  const n = Math.hypot(dx, dy);
  const scale = Math.max(
    2 * Math.hypot(eyeToEye[0], eyeToEye[1]),
    1.8 * Math.hypot(eyeToMouth[0], eyeToMouth[1]),
  );
  if (!(n > 0 && scale > 0)) throw new Error('alignment points are degenerate');
  const x: Point = [(dx / n) * scale, (dy / n) * scale];
  const y: Point = [-x[1], x[0]];
  const c: Point = [eyeAvg[0] + 0.1 * eyeToMouth[0], eyeAvg[1] + 0.1 * eyeToMouth[1]];
  const corner = (a: number, b: number): Point => [
    c[0] + a * x[0] + b * y[0],
    c[1] + a * x[1] + b * y[1],
  ];
  return {
    center: c,
    x,
    y,
    corners: [corner(-1, -1), corner(-1, 1), corner(1, 1), corner(1, -1)],
    size: 2 * scale,
  };
}

/**
 * Maps a source point into the aligned crop's pixel-index coordinates.
 *
 * @param quad - The square of {@link alignmentQuad}.
 * @param size - The crop side in pixels.
 * @param point - A source point.
 * @returns The point in the crop.
 */
export function toAlignedCoordinates(quad: AlignmentQuad, size: number, point: Point): Point {
  const px = point[0] - quad.center[0];
  const py = point[1] - quad.center[1];
  const xx = quad.x[0] * quad.x[0] + quad.x[1] * quad.x[1];
  const s = (px * quad.x[0] + py * quad.x[1]) / xx; // in [-1, 1] across the crop
  const t = (px * quad.y[0] + py * quad.y[1]) / xx;
  return [((s + 1) / 2) * size - 0.5, ((t + 1) / 2) * size - 0.5];
}

function median(values: Uint8Array, channel: number): number {
  const hist = new Uint32Array(256);
  for (let k = channel; k < values.length; k += 3) hist[values[k]]++;
  const half = values.length / 3 / 2;
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc >= half) return v;
  }
  return 255;
}

function boxBlurFloat(image: RgbImage, radius: number): Float32Array {
  // three box passes approximate a Gaussian; edges clamp
  const { width: w, height: h } = image;
  let cur = Float32Array.from(image.data);
  const pass = (src: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(src.length);
    const len = horizontal ? w : h;
    const lines = horizontal ? h : w;
    for (let line = 0; line < lines; line++) {
      for (let c = 0; c < 3; c++) {
        const at = (i: number) => {
          const j = Math.min(len - 1, Math.max(0, i));
          return horizontal ? (line * w + j) * 3 + c : (j * w + line) * 3 + c;
        };
        let sum = 0;
        for (let i = -radius; i <= radius; i++) sum += src[at(i)];
        for (let i = 0; i < len; i++) {
          out[at(i)] = sum / (2 * radius + 1);
          sum += src[at(i + radius + 1)] - src[at(i - radius)];
        }
      }
    }
    return out;
  };
  for (let k = 0; k < 3; k++) cur = pass(pass(cur, true), false);
  return cur;
}

/** Options of {@link alignFaceWithPoints} and `alignFace`. */
export interface AlignOptions {
  /**
   * Side of the square crop in pixels.
   * @defaultValue 128
   */
  readonly size?: number;
}

/** An aligned face. */
export interface AlignedFace {
  /** The `size × size` crop. */
  readonly image: RgbImage;
  /** The square cut from the source (source coordinates). */
  readonly quad: AlignmentQuad;
  /** The five points moved into the crop's coordinates. */
  readonly points: FivePoints;
}

/**
 * Cuts the recipe's oriented square out of an image and resamples it to `size × size`, as the
 * FFHQ script does, in source-pixel terms:
 * 1. when the square is more than twice the output size, the image is first shrunk by the
 *    integer factor `floor(quadSize / size / 2)` (Lanczos);
 * 2. the square is sampled bilinearly on a grid 4× the output size;
 * 3. where it leaves the image, samples are mirrored back in, then blended towards a blurred
 *    copy (from a third of the padding inside the border) and towards the image's median
 *    colour (growing to full at 0.3 · quad size outside), as FFHQ's padding does;
 * 4. the 4× grid is reduced to `size` with Lanczos.
 *
 * @param image - The source image.
 * @param points - Eye centres and mouth corners in the source.
 * @param options - See {@link AlignOptions}.
 * @returns The crop, the square and the points in crop coordinates.
 * @throws When `size` is not a positive integer or the points are degenerate.
 *
 * @example
 * ```ts doctest
 * import { createImage } from '@patchfx/data';
 * import { alignFaceWithPoints } from '@patchfx/segment';
 * const grey = createImage(100, 100, new Uint8Array(30000).fill(90));
 * const pts = { leftEye: [35, 45], rightEye: [65, 45], nose: [50, 60], mouthLeft: [38, 75], mouthRight: [62, 75] } as const;
 * const out = alignFaceWithPoints(grey, pts, { size: 32 });
 * [out.image.width, out.image.data[0]]; // => [32, 90]
 * out.points.leftEye.map(Math.round); // => [12, 15]
 * ```
 */
export function alignFaceWithPoints(
  image: RgbImage,
  points: FivePoints,
  options: AlignOptions = {},
): AlignedFace {
  const size = options.size ?? 128;
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`size must be a positive integer, got ${size}`);
  const quad = alignmentQuad(points);
  let src = image;
  let sx = 1;
  let sy = 1;
  const shrink = Math.floor(quad.size / size / 2);
  if (shrink > 1) {
    const w = Math.max(1, Math.round(image.width / shrink));
    const h = Math.max(1, Math.round(image.height / shrink));
    src = resizeImage(image, w, h, 'lanczos');
    sx = w / image.width;
    sy = h / image.height;
  }
  const toSrc = (p: Point): Point => [(p[0] + 0.5) * sx - 0.5, (p[1] + 0.5) * sy - 0.5];
  const c = toSrc(quad.center);
  const ax: Point = [quad.x[0] * sx, quad.x[1] * sy];
  const ay: Point = [quad.y[0] * sx, quad.y[1] * sy];
  const qsize = quad.size * Math.sqrt(sx * sy);
  const { width: W, height: H } = src;
  const inside = quad.corners
    .map(toSrc)
    .every(([x, y]) => x >= 0 && y >= 0 && x <= W - 1 && y <= H - 1);
  const pad = Math.max(1, 0.3 * qsize);
  // FFHQ blurs with a Gaussian of sigma 0.02 · quad size; three box passes of radius r have
  // variance r(r + 1)
  const sigma = 0.02 * qsize;
  const radius = Math.max(1, Math.round((Math.sqrt(1 + 4 * sigma * sigma) - 1) / 2));
  const blurred = inside ? null : boxBlurFloat(src, radius);
  const med = [0, 1, 2].map((ch) => median(src.data, ch));
  const mirror = (v: number, n: number) => {
    if (n === 1) return 0;
    const period = 2 * (n - 1);
    let m = ((v % period) + period) % period;
    if (m > n - 1) m = period - m;
    return m;
  };
  const T = 4 * size;
  const big = new Uint8Array(T * T * 3);
  for (let i = 0; i < T; i++) {
    const t = (2 * (i + 0.5)) / T - 1;
    for (let j = 0; j < T; j++) {
      const s = (2 * (j + 0.5)) / T - 1;
      const x = c[0] + s * ax[0] + t * ay[0];
      const y = c[1] + s * ax[1] + t * ay[1];
      const o = (i * T + j) * 3;
      if (inside) {
        for (let ch = 0; ch < 3; ch++) big[o + ch] = Math.round(sampleBilinear(src, x, y, ch, 0));
        continue;
      }
      const mx = mirror(x, W);
      const my = mirror(y, H);
      // FFHQ's padding mask: 0 at the image border, 1 at `pad` outside it, negative inside
      const mask = Math.max(
        1 - Math.min((x + pad) / pad, (W - 1 - x + pad) / pad),
        1 - Math.min((y + pad) / pad, (H - 1 - y + pad) / pad),
      );
      const wBlur = Math.min(1, Math.max(0, 3 * mask + 1));
      const wMed = Math.min(1, Math.max(0, mask));
      for (let ch = 0; ch < 3; ch++) {
        let v = sampleBilinear(src, mx, my, ch, 0);
        if (wBlur > 0 && blurred) {
          const bx = Math.min(W - 1, Math.max(0, Math.round(mx)));
          const by = Math.min(H - 1, Math.max(0, Math.round(my)));
          v += (blurred[(by * W + bx) * 3 + ch] - v) * wBlur;
        }
        v += (med[ch] - v) * wMed;
        big[o + ch] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  const out = resizeImage({ data: big, width: T, height: T }, size, size, 'lanczos');
  const move = (p: Point) => toAlignedCoordinates(quad, size, p);
  return {
    image: out,
    quad,
    points: {
      leftEye: move(points.leftEye),
      rightEye: move(points.rightEye),
      nose: move(points.nose),
      mouthLeft: move(points.mouthLeft),
      mouthRight: move(points.mouthRight),
    },
  };
}

/** What `alignFace` returns: a crop, or why there is none. */
export type AlignResult =
  | (AlignedFace & { readonly status: 'aligned'; readonly face: FaceLandmarks })
  | { readonly status: 'no-face'; readonly reason: string };

/**
 * Detects the face (the detector's best) and aligns it with the CelebA-HQ / FFHQ recipe
 * ({@link alignFaceWithPoints}). In Node, `alignFace` of `@patchfx/segment/node` creates the
 * landmarker from the installed models when none is given.
 *
 * @param image - The photo.
 * @param options - `landmarker` (see `createFaceLandmarker`) and `size`.
 * @returns `{ status: 'aligned', image, quad, points, face }`, or
 *   `{ status: 'no-face', reason }` when no face reaches the landmarker's `minFaceScore`.
 * @throws When `size` is invalid.
 */
export async function alignFace(
  image: RgbImage,
  options: AlignOptions & { readonly landmarker: FaceLandmarker },
): Promise<AlignResult> {
  const faces = await options.landmarker.detect(image);
  if (faces.length === 0) {
    return {
      status: 'no-face',
      reason: `no face found in the ${image.width}×${image.height} image`,
    };
  }
  const face = faces[0];
  return { status: 'aligned', face, ...alignFaceWithPoints(image, face.points, options) };
}
