import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { decodeImage } from '../decode/decode.js';
import { hasJpegWasm, setJpegWasm } from '../decode/jpeg.js';
import { ImageDecodeError, type RgbImage } from '../image.js';

let ready: Promise<void> | undefined;

/**
 * Loads the JPEG codec's WebAssembly from `node_modules/@jsquash/jpeg` (Node cannot `fetch` it
 * as browsers do). Idempotent; the file loaders of `@patchfx/data/node` call it themselves.
 *
 * @throws When `@jsquash/jpeg` is not installed.
 */
export function initNodeCodecs(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      const require = createRequire(import.meta.url);
      const load = async (name: string) =>
        WebAssembly.compile(await readFile(require.resolve(`@jsquash/jpeg/codec/${name}`)));
      const has = hasJpegWasm();
      const [decoder, encoder] = await Promise.all([
        has.decoder ? undefined : load('dec/mozjpeg_dec.wasm'),
        has.encoder ? undefined : load('enc/mozjpeg_enc.wasm'),
      ]);
      setJpegWasm({ decoder, encoder });
    })();
    ready.catch(() => (ready = undefined));
  }
  return ready;
}

/**
 * Reads and decodes an image file to RGB (see `decodeImage`).
 *
 * @param path - The file.
 * @returns A new image owned by the caller.
 * @throws {@link @patchfx/data!ImageDecodeError} naming `path` for a missing, unreadable, empty,
 *   corrupt, truncated or unsupported file.
 */
export async function loadImageFile(path: string): Promise<RgbImage> {
  await initNodeCodecs();
  return decodeImage(await readImageFile(path), path);
}

/**
 * Reads an image file's bytes (undecoded), with read errors that name the file: the one place
 * where a file system error becomes an {@link @patchfx/data!ImageDecodeError}.
 *
 * @param path - The file.
 * @returns The file's bytes, owned by the caller.
 * @throws {@link @patchfx/data!ImageDecodeError} naming `path` for a missing file
 *   (`no such file`), a folder (`is a folder, not a file`) or any other read error
 *   (`cannot read: …`).
 */
export async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageDecodeError(
      path,
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : `cannot read: ${(e as Error).message}`,
    );
  }
}
