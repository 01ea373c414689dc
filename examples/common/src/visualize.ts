/**
 * `--visualize` (spec §4.4): for fakes and for reals, the `topn` easiest and hardest images by
 * the chosen aggregation (at most half the class each, so the two never share an image), each
 * with the model input, its P(real) patch map (`.npy`, the reference's file) and the heatmap
 * overlay; per folder `preds.txt`, `heatmap_avg.{npy,png}` and a lightbox page. The pictures
 * show P(fake) (`heatmapClass`), patchfx's convention for everything a user sees (the
 * detector's patch map, the browser demo); the reference drew P(real). `heatmapScale` is
 * evaluate's `--heatmap_scale` (`per_image` = `'minmax'`, `absolute`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TransformConfig } from '@patchfx/data';
import {
  averageMaps,
  heatmapAvgImage,
  type HeatmapScale,
  patchOverlay,
  probabilityLabel,
  type PatchMap,
  type PixelImage,
} from '@patchfx/viz';
import { writeLightbox, writeNpy, writePng } from '@patchfx/viz/node';
import { prepareImage, probabilityMap, type ImagePrediction } from '@patchfx/models/evaluate';
import { say } from './log.js';

export interface VisualizeInput {
  readonly outDir: string;
  readonly predictions: readonly ImagePrediction[];
  /** Aggregated `[N, 2]` scores of the chosen mode (same order as `predictions`). */
  readonly scores: readonly (readonly number[])[];
  readonly mapSize: readonly [number, number];
  readonly transform: TransformConfig;
  readonly fakeClassId: 0 | 1;
  readonly topn: number;
  /**
   * What the overlays and `heatmap_avg.png` show: P(fake) (red = fake-looking), or the
   * reference's P(real). The `.npy` files hold P(real) either way (the reference's files).
   * @defaultValue 'fake'
   */
  readonly heatmapClass?: 'fake' | 'real';
  /** How map values become colours (`scale` of `patchOverlay`). @defaultValue 'minmax' */
  readonly heatmapScale?: HeatmapScale;
}

const pad3 = (i: number) => String(i).padStart(3, '0');

/** Writes `vis/{fakes,reals}/{easiest,hardest}/`. */
export async function writeVisualizations(v: VisualizeInput): Promise<void> {
  const realId = 1 - v.fakeClassId;
  const shownClass = v.heatmapClass ?? 'fake';
  const shownId = shownClass === 'fake' ? v.fakeClassId : realId;
  const scale = v.heatmapScale ?? 'minmax';
  const [h, w] = v.mapSize;
  for (const [sub, target] of [
    ['fakes', v.fakeClassId],
    ['reals', realId],
  ] as const) {
    // Images of this class, sorted ascending by the aggregated probability of the true class.
    const idx = v.predictions.map((p, i) => i).filter((i) => v.predictions[i].label === target);
    idx.sort((a, b) => v.scores[a][target] - v.scores[b][target]);
    // At most half the set each, so that no image is in both galleries (a set smaller than
    // 2 × topn would otherwise show the same images twice, in reverse order).
    const n = Math.min(v.topn, Math.floor(idx.length / 2));
    if (n < v.topn) {
      say(
        `${idx.length} ${sub}: the easiest and the hardest ${n} each (half the set; --topn ${v.topn})`,
      );
    }
    const hardest = idx.slice(0, n);
    const easiest = n ? idx.slice(-n).reverse() : [];
    for (const [kind, chosen] of [
      ['easiest', easiest],
      ['hardest', hardest],
    ] as const) {
      const dir = join(v.outDir, 'vis', sub, kind);
      mkdirSync(dir, { recursive: true });
      const lines: string[] = [];
      const maps: PatchMap[] = [];
      const shownMaps: PatchMap[] = [];
      for (let c = 0; c < chosen.length; c++) {
        const i = chosen[c];
        const p = v.predictions[i];
        const s = v.scores[i];
        lines.push(`${idx.indexOf(i)},${s[0].toFixed(6)},${s[1].toFixed(6)},${p.path}`);
        const input = await prepareImage(p.path, v.transform);
        const image: PixelImage = {
          data: input.data,
          width: input.width,
          height: input.height,
          channels: 3,
        };
        const map: PatchMap = { data: probabilityMap(p.logits, realId), height: h, width: w };
        maps.push(map);
        const shown: PatchMap =
          shownId === realId
            ? map
            : { data: probabilityMap(p.logits, shownId), height: h, width: w };
        shownMaps.push(shown);
        const name = pad3(c + 1);
        writePng(join(dir, `${name}_orig.png`), image);
        writeNpy(join(dir, `${name}_heatmap_1.npy`), {
          data: map.data as Float32Array,
          shape: [h, w],
        });
        const correct = (s[1] > s[0] ? 1 : 0) === target;
        writePng(
          join(dir, `${name}_patch_1.png`),
          patchOverlay(image, shown, {
            correct,
            label: probabilityLabel(s[shownId], shownClass),
            scale,
          }),
        );
      }
      writeFileSync(join(dir, 'preds.txt'), lines.length ? `${lines.join('\n')}\n` : '');
      if (maps.length) {
        const avg = averageMaps(maps);
        writeNpy(join(dir, 'heatmap_avg.npy'), {
          data: Float32Array.from(avg.data),
          shape: [h, w],
        });
        writePng(
          join(dir, 'heatmap_avg.png'),
          heatmapAvgImage(
            shownId === realId ? avg : averageMaps(shownMaps),
            { width: v.transform.loadSize, height: v.transform.loadSize },
            { scale },
          ),
        );
      }
      writeLightbox(dir, { title: `${sub} / ${kind}` });
    }
  }
}
