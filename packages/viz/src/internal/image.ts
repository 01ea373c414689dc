import type { ImageChannels, PixelImage, Rgb } from '../types.js';

/** A new image filled with one colour (gray images take the first channel, RGBA gets alpha 255). */
export function createImage(
  width: number,
  height: number,
  channels: ImageChannels,
  fill: Rgb = [0, 0, 0],
): PixelImage & { data: Uint8Array } {
  const data = new Uint8Array(width * height * channels);
  if (fill[0] !== 0 || fill[1] !== 0 || fill[2] !== 0 || channels === 4) {
    const px = channels === 1 ? [fill[0]] : channels === 3 ? [...fill] : [...fill, 255];
    for (let i = 0; i < data.length; i += channels) {
      for (let c = 0; c < channels; c++) data[i + c] = px[c];
    }
  }
  return { data, width, height, channels };
}

/** A copy of `image` with its own `Uint8Array`. */
export function cloneImage(image: PixelImage): PixelImage & { data: Uint8Array } {
  return {
    data: Uint8Array.from(image.data),
    width: image.width,
    height: image.height,
    channels: image.channels,
  };
}

/** The RGB bytes of an image (gray is replicated, alpha dropped), as a new array. */
export function toRgbBytes(image: PixelImage): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  const { data, channels } = image;
  for (let i = 0; i < n; i++) {
    if (channels === 1) {
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[i];
    } else {
      out[i * 3] = data[i * channels];
      out[i * 3 + 1] = data[i * channels + 1];
      out[i * 3 + 2] = data[i * channels + 2];
    }
  }
  return out;
}

/** Writes one colour into pixel `p` of `image` in place (alpha set to 255 for RGBA). */
export function setPixel(image: PixelImage, p: number, color: Rgb): void {
  const { data, channels } = image;
  const o = p * channels;
  if (channels === 1) {
    data[o] = color[0];
    return;
  }
  data[o] = color[0];
  data[o + 1] = color[1];
  data[o + 2] = color[2];
  if (channels === 4) data[o + 3] = 255;
}

/** Paints rows [top, bottom) × columns [left, right) of `image` in place, clipped to the image. */
export function fillRectInPlace(
  image: PixelImage,
  top: number,
  left: number,
  bottom: number,
  right: number,
  color: Rgb,
): void {
  const y0 = Math.max(0, Math.floor(top));
  const y1 = Math.min(image.height, Math.ceil(bottom));
  const x0 = Math.max(0, Math.floor(left));
  const x1 = Math.min(image.width, Math.ceil(right));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) setPixel(image, y * image.width + x, color);
  }
}

/** Throws unless `c` is an RGB triple of integers in 0–255. */
export function assertColor(c: Rgb, what: string): void {
  if (c.length !== 3 || c.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
    throw new Error(`${what} must be an [r, g, b] triple of integers 0–255, got [${c.join(', ')}]`);
  }
}
