/**
 * Face alignment with the CelebA-HQ / FFHQ oriented-crop recipe (spec §8).
 */
import { resizeImage, type RgbImage } from '@patchfx/data';
import type { Point } from './face/geometry.js';
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
  const line = new Float32Array(Math.max(w, h) + 2 * radius + 1);
  const pass = (src: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(src.length);
    const len = horizontal ? w : h;
    const lines = horizontal ? h : w;
    const step = horizontal ? 3 : 3 * w;
    const norm = 1 / (2 * radius + 1);
    for (let l = 0; l < lines; l++) {
      const base = horizontal ? l * w * 3 : l * 3;
      for (let ch = 0; ch < 3; ch++) {
        // the line, clamped at both ends, then a running sum
        for (let i = -radius; i < len + radius + 1; i++) {
          const j = i < 0 ? 0 : i >= len ? len - 1 : i;
          line[i + radius] = src[base + j * step + ch];
        }
        let sum = 0;
        for (let i = 0; i < 2 * radius + 1; i++) sum += line[i];
        for (let i = 0; i < len; i++) {
          out[base + i * step + ch] = sum * norm;
          sum += line[i + 2 * radius + 1] - line[i];
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
 * 2. the square is sampled bilinearly on a grid up to 4× the output size (as many samples per
 *    output pixel as the square has source pixels, so nothing aliases; FFHQ always uses 4×);
 * 3. where it leaves the image, samples are mirrored back in, then blended towards a blurred
 *    copy (from a third of the padding inside the border) and towards the image's median
 *    colour (growing to full at 0.3 · quad size outside), as FFHQ's padding does;
 * 4. the grid is reduced to `size` with Lanczos.
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
  // supersampling: enough grid points that bilinear sampling does not alias (FFHQ always
  // samples 4× the output size; after the shrink a quad pixel spans at most 4 source pixels)
  const factor = Math.min(4, Math.max(1, Math.ceil(qsize / size)));
  const T = factor * size;
  const big = new Uint8Array(T * T * 3);
  const data = src.data;
  const px = new Float64Array(3);
  const bilinear = (x: number, y: number) => {
    const xc = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
    const yc = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
    const x0 = Math.floor(xc);
    const y0 = Math.floor(yc);
    const x1 = x0 + 1 < W ? x0 + 1 : x0;
    const y1 = y0 + 1 < H ? y0 + 1 : y0;
    const fx = xc - x0;
    const fy = yc - y0;
    const a = (y0 * W + x0) * 3;
    const b = (y0 * W + x1) * 3;
    const c2 = (y1 * W + x0) * 3;
    const d = (y1 * W + x1) * 3;
    for (let ch = 0; ch < 3; ch++) {
      const top = data[a + ch] + (data[b + ch] - data[a + ch]) * fx;
      const bottom = data[c2 + ch] + (data[d + ch] - data[c2 + ch]) * fx;
      px[ch] = top + (bottom - top) * fy;
    }
  };
  const blurZone = pad / 3;
  for (let i = 0; i < T; i++) {
    const t = (2 * (i + 0.5)) / T - 1;
    for (let j = 0; j < T; j++) {
      const s = (2 * (j + 0.5)) / T - 1;
      const x = c[0] + s * ax[0] + t * ay[0];
      const y = c[1] + s * ax[1] + t * ay[1];
      const o = (i * T + j) * 3;
      const nearBorder =
        !inside && (x < blurZone || y < blurZone || x > W - 1 - blurZone || y > H - 1 - blurZone);
      if (!nearBorder) {
        bilinear(x, y);
        for (let ch = 0; ch < 3; ch++) big[o + ch] = Math.round(px[ch]);
        continue;
      }
      const mx = mirror(x, W);
      const my = mirror(y, H);
      bilinear(mx, my);
      // FFHQ's padding mask: 0 at the image border, 1 at `pad` outside it, negative inside
      const mask = Math.max(
        1 - Math.min((x + pad) / pad, (W - 1 - x + pad) / pad),
        1 - Math.min((y + pad) / pad, (H - 1 - y + pad) / pad),
      );
      const wBlur = Math.min(1, Math.max(0, 3 * mask + 1));
      const wMed = Math.min(1, Math.max(0, mask));
      const bo = blurred
        ? (Math.min(H - 1, Math.max(0, Math.round(my))) * W +
            Math.min(W - 1, Math.max(0, Math.round(mx)))) *
          3
        : 0;
      for (let ch = 0; ch < 3; ch++) {
        let v = px[ch];
        if (blurred) v += (blurred[bo + ch] - v) * wBlur;
        v += (med[ch] - v) * wMed;
        big[o + ch] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  const out =
    T === size
      ? { data: big, width: size, height: size }
      : resizeImage({ data: big, width: T, height: T }, size, size, 'lanczos');
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
