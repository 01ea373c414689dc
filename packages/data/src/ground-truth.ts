/**
 * Where the ground truth of an image lives, and how to tell it from the images: beside each
 * image `<dir>/<name>.png`, in the hidden sibling folder `<dir>/.truth/`, as `<name>.labels.png`
 * (part labels) and, for fakes, `<name>.trace.png` (trace mask). The synthetic benchmark of
 * `@patchfx/segment` writes these files; image discovery (`discoverImages`) skips them.
 */

/** The hidden folder, beside the images, that holds their ground-truth files. */
export const GROUND_TRUTH_DIR = '.truth';

/** File-name endings of the ground-truth files. */
export const GROUND_TRUTH_SUFFIXES = Object.freeze({
  /** 8-bit gray PNG, value = label id (see `legend.json`). */
  labels: '.labels.png',
  /** 8-bit gray PNG, 255 where the generator's traces are, 0 elsewhere (fakes only). */
  trace: '.trace.png',
} as const);

function split(path: string): { dir: string; name: string; sep: string } {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const sep = cut >= 0 ? path[cut] : '/';
  return { dir: cut >= 0 ? path.slice(0, cut) : '.', name: path.slice(cut + 1), sep };
}

/**
 * Whether a path is a ground-truth file (e.g. of a synthetic set) rather than an image: it lies
 * under a `.truth` folder, or its name ends in `.labels.png` or `.trace.png` (any case).
 * Image loaders should skip such paths (skipping dot-folders also does it).
 *
 * @param path - A file path (`/` or `\` separators).
 * @returns `true` for ground-truth files.
 *
 * @example
 * ```ts doctest
 * import { isGroundTruthFile } from '@patchfx/data';
 * isGroundTruthFile('set/fake/train/.truth/fake-00001.trace.png'); // => true
 * isGroundTruthFile('set/fake/train/fake-00001.png'); // => false
 * ```
 */
export function isGroundTruthFile(path: string): boolean {
  const parts = path.split(/[\\/]/);
  if (parts.slice(0, -1).includes(GROUND_TRUTH_DIR)) return true;
  const name = (parts[parts.length - 1] ?? '').toLowerCase();
  return name.endsWith(GROUND_TRUTH_SUFFIXES.labels) || name.endsWith(GROUND_TRUTH_SUFFIXES.trace);
}

/**
 * The ground-truth file paths of an image (whether or not they exist).
 *
 * @param imagePath - Path of an image, e.g. `set/real/val/real-00007.png`.
 * @returns The label-map path and the trace-mask path (the latter exists for fakes only).
 * @throws When `imagePath` is itself a ground-truth file.
 *
 * @example
 * ```ts doctest
 * import { groundTruthPaths } from '@patchfx/data';
 * groundTruthPaths('set/real/val/real-00007.png').labels; // => 'set/real/val/.truth/real-00007.labels.png'
 * ```
 */
export function groundTruthPaths(imagePath: string): { labels: string; trace: string } {
  if (isGroundTruthFile(imagePath)) {
    throw new Error(`'${imagePath}' is a ground-truth file, not an image`);
  }
  const { dir, name, sep } = split(imagePath);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const base = `${dir}${sep}${GROUND_TRUTH_DIR}${sep}${stem}`;
  return {
    labels: `${base}${GROUND_TRUTH_SUFFIXES.labels}`,
    trace: `${base}${GROUND_TRUTH_SUFFIXES.trace}`,
  };
}
