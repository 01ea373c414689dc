/**
 * Small 2-D helpers of the face pipeline: points, rotated square crops, bilinear sampling and
 * polygon rasterisation. Coordinates are in pixel-index units: the centre of the top-left pixel
 * is (0, 0), as dlib and OpenCV landmarks are.
 */
import type { RgbImage } from '@patchfx/data';

/** A point `[x, y]` in pixel-index coordinates. */
export type Point = readonly [number, number];

/** A square region of an image, possibly rotated: centre, side and angle. */
export interface Roi {
  /** Centre, pixel-index coordinates. */
  readonly cx: number;
  readonly cy: number;
  /** Side length in pixels. */
  readonly size: number;
  /** Rotation in radians: the ROI's x axis is `(cos θ, sin θ)` in the image. */
  readonly angle: number;
}

/** Maps ROI-normalised coordinates (`[0, 1]²`, x right, y down) to image coordinates. */
export function roiToImage(roi: Roi, u: number, v: number): [number, number] {
  const c = Math.cos(roi.angle);
  const s = Math.sin(roi.angle);
  const a = (u - 0.5) * roi.size;
  const b = (v - 0.5) * roi.size;
  return [roi.cx + a * c - b * s, roi.cy + a * s + b * c];
}

/**
 * Bilinear sample of one channel at `(x, y)`; `outside` for points off the image
 * (beyond half a pixel from the edge pixels' centres).
 */
export function sampleBilinear(
  image: RgbImage,
  x: number,
  y: number,
  channel: number,
  outside: number,
): number {
  const { width: w, height: h, data } = image;
  if (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5) return outside;
  const xc = Math.min(Math.max(x, 0), w - 1);
  const yc = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const fx = xc - x0;
  const fy = yc - y0;
  const p = (xx: number, yy: number) => data[(yy * w + xx) * 3 + channel];
  const top = p(x0, y0) * (1 - fx) + p(x1, y0) * fx;
  const bottom = p(x0, y1) * (1 - fx) + p(x1, y1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Cuts a (rotated) square ROI out of an image and resamples it to `side × side` floats in
 * [0, 1], channels last, black outside the image.
 */
export function cropRoi(image: RgbImage, roi: Roi, side: number): Float32Array {
  const out = new Float32Array(side * side * 3);
  for (let v = 0; v < side; v++) {
    for (let u = 0; u < side; u++) {
      const [x, y] = roiToImage(roi, (u + 0.5) / side, (v + 0.5) / side);
      const o = (v * side + u) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = sampleBilinear(image, x, y, c, 0) / 255;
    }
  }
  return out;
}

/**
 * Fills a polygon into a mask (even-odd rule): pixel (x, y) is inside when its centre point
 * (x, y) is. Calls `paint(index)` for each inside pixel of the `width × height` grid.
 */
export function fillPolygon(
  polygon: readonly Point[],
  width: number,
  height: number,
  paint: (index: number, x: number, y: number) => void,
): void {
  if (polygon.length < 3) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [, y] of polygon) {
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const y0 = Math.max(0, Math.ceil(minY));
  const y1 = Math.min(height - 1, Math.floor(maxY));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    xs.length = 0;
    for (let k = 0; k < polygon.length; k++) {
      const [ax, ay] = polygon[k];
      const [bx, by] = polygon[(k + 1) % polygon.length];
      // half-open rule on y so shared vertices count once
      if (ay <= y ? by > y : by <= y) xs.push(ax + ((y - ay) * (bx - ax)) / (by - ay));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]));
      const to = Math.min(width - 1, Math.floor(xs[k + 1]));
      for (let x = from; x <= to; x++) paint(y * width + x, x, y);
    }
  }
}

/** Mean of some points. */
export function meanPoint(points: readonly Point[]): [number, number] {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p[0];
    y += p[1];
  }
  return [x / points.length, y / points.length];
}

/** Euclidean distance. */
export function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}
