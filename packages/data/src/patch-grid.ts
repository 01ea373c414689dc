/**
 * The patch geometry of a patch model at one input size (spec §1.7): which input window each
 * output of the patch map sees. `@patchfx/models`' `patchGrid` computes it for a model variant;
 * `traceCoverage` of `@patchfx/segment`'s synthetic benchmark measures masks on it.
 */
export interface PatchGrid {
  /** Receptive field in input pixels. */
  readonly rf: number;
  /** Output stride in input pixels. */
  readonly jump: number;
  /** Start of output index 0's window (may be negative). */
  readonly offset: number;
  /** Patch-map side (outputs per axis). */
  readonly mapSize: number;
}
