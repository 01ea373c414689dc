/**
 * The files of the reference's patches.py (spec §6) for one class's top patches, as
 * `collectTopPatches` of `@patchfx/models/evaluate` found them: the patch pixels, positions and
 * values as `.npy`, the file list, a JSON description and a grid of the patches.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReceptiveField } from '@patchfx/models';
import type { ClassTopPatches } from '@patchfx/models/evaluate';
import { imageGrid, type PixelImage } from '@patchfx/viz';
import { writeNpy, writePng } from '@patchfx/viz/node';

/** Writes `<subset>_easiest.{json,patch.npy,pos.npy,value.npy}`, the file list and the grid. */
export function writePatches(options: {
  readonly dir: string;
  readonly subset: 'reals' | 'fakes';
  readonly patches: ClassTopPatches;
  readonly geometry: ReceptiveField;
  readonly size: number;
  readonly which: string;
  readonly mapSize: readonly [number, number];
}): void {
  const { dir, subset, geometry, size } = options;
  const { candidates, pixels: patches } = options.patches;
  mkdirSync(dir, { recursive: true });
  const rf = geometry.rf;
  const stem = `${subset}_easiest`;
  const pos = new Int32Array(candidates.length * 2);
  const values = new Float32Array(candidates.length);
  for (let k = 0; k < candidates.length; k++) {
    const c = candidates[k];
    pos[2 * k] = c.pos[0];
    pos[2 * k + 1] = c.pos[1];
    values[k] = c.value;
  }
  writeNpy(join(dir, `${stem}.patch.npy`), {
    data: patches,
    shape: [candidates.length, rf, rf, 3],
  });
  writeNpy(join(dir, `${stem}.pos.npy`), { data: pos, shape: [candidates.length, 2] });
  writeNpy(join(dir, `${stem}.value.npy`), { data: values, shape: [candidates.length] });
  writeFileSync(join(dir, `${stem}_files.txt`), candidates.map((c) => `${c.path}\n`).join(''));
  writeFileSync(
    join(dir, `${stem}.json`),
    `${JSON.stringify(
      {
        which_model_netD: options.which,
        rf,
        jump: geometry.jump,
        offset: geometry.offset,
        finesize: size,
        outsize: options.mapSize,
        count: candidates.length,
        files: `${stem}_files.txt`,
        arrays: { patch: `${stem}.patch.npy`, pos: `${stem}.pos.npy`, value: `${stem}.value.npy` },
      },
      null,
      1,
    )}\n`,
  );
  if (candidates.length) {
    const tiles: PixelImage[] = [];
    for (let k = 0; k < candidates.length; k++) {
      const data = new Uint8Array(rf * rf * 3);
      for (let t = 0; t < data.length; t++)
        data[t] = Math.trunc((patches[k * rf * rf * 3 + t] * 0.5 + 0.5) * 255);
      tiles.push({ data, width: rf, height: rf, channels: 3 });
    }
    writePng(join(dir, `${stem}_grid.png`), imageGrid(tiles));
  }
}
