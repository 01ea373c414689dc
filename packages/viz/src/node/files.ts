import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@patchfx/data/node';
import { renderLightbox, type LightboxOptions } from '../html/lightbox.js';
import { decodeNpy, encodeNpy, type NpyArray } from '../npy.js';
import type { PixelImage, PixelImageInput } from '../types.js';
import { decodePng, type DecodePngOptions, encodePng, type EncodePngOptions } from './png.js';

/**
 * Writes an image as a compressed PNG file ({@link encodePng}), creating parent folders.
 *
 * @param path - Destination file.
 * @param image - The image.
 * @param options - See {@link EncodePngOptions}.
 * @throws If the image is malformed or the file cannot be written.
 */
export function writePng(
  path: string,
  image: PixelImageInput,
  options: EncodePngOptions = {},
): void {
  writeFileAtomic(path, encodePng(image, options));
}

/**
 * Reads a PNG file.
 *
 * @param path - The file.
 * @param options - See {@link DecodePngOptions}.
 * @returns A new image.
 * @throws If the file is missing or not a PNG.
 */
export function readPng(path: string, options: DecodePngOptions = {}): PixelImage {
  return decodePng(new Uint8Array(readFileSync(path)), options);
}

/**
 * Writes a NumPy `.npy` file (see `encodeNpy`), creating parent folders.
 *
 * @param path - Destination, conventionally ending in `.npy`.
 * @param array - Data and shape.
 * @throws If the array is malformed or the file cannot be written.
 */
export function writeNpy(path: string, array: NpyArray): void {
  writeFileAtomic(path, encodeNpy(array));
}

/**
 * Reads a NumPy `.npy` file (see `decodeNpy`).
 *
 * @param path - The file.
 * @returns Data and shape.
 * @throws If the file is missing or not a supported `.npy`.
 */
export function readNpy(path: string): NpyArray {
  return decodeNpy(new Uint8Array(readFileSync(path)));
}

/** File extensions {@link writeLightbox} lists, lower-case. */
export const LIGHTBOX_EXTENSIONS = Object.freeze([
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.webp',
] as const);

/** Options for {@link writeLightbox}. */
export interface WriteLightboxOptions extends LightboxOptions {
  /**
   * File name of the page inside the folder (the reference uses `+lightbox.html`).
   * @defaultValue '+lightbox.html'
   */
  readonly fileName?: string;
}

/**
 * Writes a lightbox page for every image file directly in `dir` (sorted by name), embedding
 * the list, so it works from `file://` without a server's directory listing.
 *
 * @param dir - Folder with the images.
 * @param options - Page title etc. (title defaults to the folder path) and file name.
 * @returns The path of the written page.
 * @throws If the folder cannot be read or the page cannot be written.
 */
export function writeLightbox(dir: string, options: WriteLightboxOptions = {}): string {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .filter((name) => LIGHTBOX_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext)))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const path = join(dir, options.fileName ?? '+lightbox.html');
  writeFileAtomic(path, renderLightbox(files, { ...options, title: options.title ?? dir }));
  return path;
}
