/**
 * @patchfx/viz/node — Node-only helpers: compressed PNG encoding (the bytes pngjs writes, through
 * `encodePng` of `@patchfx/data` and `node:zlib`), PNG decoding with pngjs, and file writers
 * for PNG, `.npy` and lightbox pages, and TensorBoard event files. Everything else is in the browser-safe main entry.
 */
export { encodePng, decodePng, type EncodePngOptions, type DecodePngOptions } from './png.js';
export {
  writePng,
  readPng,
  writeNpy,
  readNpy,
  writeLightbox,
  LIGHTBOX_EXTENSIONS,
  type WriteLightboxOptions,
} from './files.js';
export {
  createTensorBoardWriter,
  type TensorBoardWriter,
  type TensorBoardWriterOptions,
} from './tensorboard.js';
