/**
 * The reference's `PairedDataset` (spec §3.3): every item is one real and one fake image, so
 * every batch is exactly half real, half fake; the smaller class cycles.
 */
import { createRng, type Rng } from './random.js';

/** One item: indices into the sorted real and fake file lists. */
export interface PairedItem {
  readonly real: number;
  readonly fake: number;
}

/** Options of {@link planPairedEpoch}. */
export interface PairedEpochOptions {
  /** Images per batch (real + fake), even: `batchSize / 2` pairs. @defaultValue 32 */
  readonly batchSize?: number;
  /** Shuffle the item order (training); validation keeps it. @defaultValue true */
  readonly shuffle?: boolean;
  /** Pair each real with a uniformly random fake instead of `i mod #fake` (`--no_serial_batches`). @defaultValue false */
  readonly noSerialBatches?: boolean;
  /** Drop a last, smaller batch. @defaultValue false (PyTorch's DataLoader default) */
  readonly dropLast?: boolean;
  /** Seed of the run. @defaultValue 0 */
  readonly seed?: number;
  /** Epoch number: each epoch has its own stream `createRng([seed, epoch, …])`. @defaultValue 0 */
  readonly epoch?: number;
}

/** Length of a paired dataset: `max(#real, #fake)`. */
export function pairedLength(numReal: number, numFake: number): number {
  return Math.max(numReal, numFake);
}

/**
 * Item `i` of the paired dataset: `real = i mod #real`; `fake = i mod #fake` (serial), or a
 * uniform draw from `rng` when given (`--no_serial_batches`).
 *
 * @example
 * ```ts doctest
 * import { pairedItem } from '@patchfx/data';
 * pairedItem(5, 3, 10); // => { real: 2, fake: 5 }
 * ```
 */
export function pairedItem(i: number, numReal: number, numFake: number, rng?: Rng): PairedItem {
  if (numReal < 1 || numFake < 1) {
    throw new Error(
      `a paired dataset needs real and fake images, got ${numReal} real and ${numFake} fake`,
    );
  }
  return { real: i % numReal, fake: rng ? rng.int(0, numFake - 1) : i % numFake };
}

/**
 * Plans one epoch: the item order (shuffled with the seeded generator when `shuffle`), the
 * pairing, and the cut into batches of `batchSize / 2` items. Deterministic for
 * `(seed, epoch)`.
 *
 * @param numReal - Number of real files (sorted list).
 * @param numFake - Number of fake files (sorted list).
 * @returns The batches; each is a list of pairs (`[real…; fake…]` once assembled).
 * @throws When a side is empty or `batchSize` is not a positive even integer.
 *
 * @example
 * ```ts doctest
 * import { planPairedEpoch } from '@patchfx/data';
 * const plan = planPairedEpoch(2, 3, { batchSize: 4, shuffle: false });
 * plan.length; // => 2
 * plan[0]; // => [{ real: 0, fake: 0 }, { real: 1, fake: 1 }]
 * plan[1]; // => [{ real: 0, fake: 2 }]
 * ```
 */
export function planPairedEpoch(
  numReal: number,
  numFake: number,
  options: PairedEpochOptions = {},
): PairedItem[][] {
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 2 || batchSize % 2 !== 0) {
    throw new Error(
      `batchSize must be a positive even integer (half real, half fake), got ${batchSize}`,
    );
  }
  const rng = createRng([options.seed ?? 0, options.epoch ?? 0, 0x70616972]);
  const n = pairedLength(numReal, numFake);
  const order = Array.from({ length: n }, (_, i) => i);
  if (options.shuffle ?? true) rng.shuffle(order);
  const pairRng = options.noSerialBatches ? rng.fork() : undefined;
  const items = order.map((i) => pairedItem(i, numReal, numFake, pairRng));
  const half = batchSize / 2;
  const batches: PairedItem[][] = [];
  for (let s = 0; s < items.length; s += half) {
    const b = items.slice(s, s + half);
    if (b.length < half && options.dropLast) break;
    batches.push(b);
  }
  return batches;
}

/**
 * Labels of a batch of `pairs` items laid out `[real…; fake…]`: real = `1 − fakeClassId`,
 * fake = `fakeClassId` (spec §1.1).
 *
 * @example
 * ```ts doctest
 * import { pairedLabels } from '@patchfx/data';
 * Array.from(pairedLabels(2)); // => [1, 1, 0, 0]
 * ```
 */
export function pairedLabels(pairs: number, fakeClassId: 0 | 1 = 0): Int32Array {
  const labels = new Int32Array(2 * pairs);
  labels.fill(1 - fakeClassId, 0, pairs);
  labels.fill(fakeClassId, pairs);
  return labels;
}
