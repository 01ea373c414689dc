/**
 * Checkpoint readers for the detector: a checkpoint folder served over HTTP, or files held in
 * memory (e.g. a folder a person picked in a browser).
 */
import type { CheckpointReader } from '../io/checkpoint.js';

/** Options of {@link urlCheckpointReader}. */
export interface UrlReaderOptions {
  /** The `fetch` to use. @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * A {@link CheckpointReader} that fetches `<url>/<file>`: a checkpoint folder served as static
 * files (`checkpoint.json`, `model.json`, `weights.bin`). A 404 reads as a missing file.
 * Relative URLs resolve against the page (`location.href`).
 *
 * @param url - The folder's URL, with or without a trailing `/`.
 * @param options - See {@link UrlReaderOptions}.
 * @returns The reader, and the absolute folder URL (for messages).
 * @throws When `url` is not a URL (a relative one outside a page, e.g. a path in Node).
 *
 * @example
 * ```ts doctest
 * import { urlCheckpointReader } from '@patchfx/models/detector';
 * urlCheckpointReader('https://example.org/models/block2').url; // => 'https://example.org/models/block2/'
 * ```
 */
export function urlCheckpointReader(
  url: string | URL,
  options: UrlReaderOptions = {},
): { read: CheckpointReader; url: string } {
  const folder = resolveUrl(url, 'a checkpoint folder');
  if (!folder.pathname.endsWith('/')) folder.pathname += '/';
  const doFetch = options.fetch ?? globalThis.fetch;
  const read: CheckpointReader = (name) => fetchBytes(new URL(name, folder).href, doFetch);
  return { read, url: folder.href };
}

/**
 * A URL resolved against the page (`location.href`) when there is one.
 *
 * @param url - An absolute URL, or one relative to the page.
 * @param what - What it should name, for the message (e.g. `'an .onnx file'`).
 * @throws When `url` is not a URL (a relative one outside a page, e.g. a path in Node).
 */
export function resolveUrl(url: string | URL, what: string): URL {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  try {
    return new URL(String(url), base);
  } catch {
    throw new Error(
      `'${String(url)}' is not a URL; in Node load ${what} with loadDetectorFromPath of '@patchfx/models/node'`,
    );
  }
}

/**
 * Fetches a file's bytes; `undefined` when the server answers 404.
 *
 * @throws When the fetch fails or the server answers another error status, naming the URL.
 */
export async function fetchBytes(
  href: string,
  doFetch: typeof fetch = globalThis.fetch,
): Promise<Uint8Array | undefined> {
  let response: Response;
  try {
    response = await doFetch(href);
  } catch (e) {
    throw new Error(`cannot fetch '${href}': ${(e as Error).message}`, { cause: e });
  }
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`cannot fetch '${href}': HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * A {@link CheckpointReader} over files held in memory, keyed by file name (e.g. the files of a
 * folder picked with `<input type="file" webkitdirectory>`: key them by their base name).
 *
 * @param files - File name → bytes.
 * @returns The reader.
 *
 * @example
 * ```ts doctest
 * import { memoryCheckpointReader } from '@patchfx/models/detector';
 * const read = memoryCheckpointReader(new Map([['opt.yml', new Uint8Array([49])]]));
 * (await read('opt.yml'))?.length; // => 1
 * await read('model.json'); // => undefined
 * ```
 */
export function memoryCheckpointReader(
  files: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
): CheckpointReader {
  const get = (name: string) =>
    files instanceof Map ? files.get(name) : (files as Record<string, Uint8Array>)[name];
  return async (name) => get(name);
}
