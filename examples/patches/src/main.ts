/**
 * patches: the most predictive patch of every image (the reference's patches.py).
 *
 *   npm run patches -- --train_config checkpoints/<name>/opt.yml --which_epoch bestval --partition test \
 *     --dataset_name <n> --real_im_path <dir>/test --fake_im_path <dir>/test --topn 10000 --unique
 */
import { join, resolve } from 'node:path';
import { resolveTransformConfig } from '@patchfx/data';
import { discoverImages, initNodeCodecs } from '@patchfx/data/node';
import { foldBatchNorm, isPatchModel, parseModelName, receptiveField } from '@patchfx/models';
import { loadCheckpoint } from '@patchfx/models/node';
import {
  predictFiles,
  runMain,
  say,
  setupBackend,
  smokeTestArgs,
  SMOKE_OPTION,
  withSmoke,
} from '@patchfx/example-common';
import { resolvePartition, resolveTestOptions } from '@patchfx/example-evaluate';
import { selectPatches, writePatches } from './patches.js';

async function main(argv: readonly string[]): Promise<number | void> {
  const opt = resolveTestOptions(
    argv,
    { smoke: SMOKE_OPTION },
    'patches',
    '--train_config opt.yml --dataset_name N --real_im_path DIR --fake_im_path DIR [--topn 10000 --unique]',
  );
  const which = String(opt.which_model_netD);
  if (!isPatchModel(parseModelName(which)))
    throw new Error(`patches needs a patch model; '${which}' is a full-image classifier`);
  if (Number(opt.loadSize) !== Number(opt.fineSize)) {
    throw new Error(
      `patches needs loadSize == fineSize (got ${opt.loadSize} and ${opt.fineSize}): the patch windows are computed on the fineSize input; pass --loadSize ${opt.fineSize}`,
    );
  }
  for (const flag of ['real_im_path', 'fake_im_path'])
    if (!opt[flag]) throw new Error(`give --${flag} (a folder of ${flag.slice(0, 4)} images)`);
  const partition = resolvePartition(
    String(opt.real_im_path),
    String(opt.fake_im_path),
    opt.partition == null ? null : String(opt.partition),
  );
  if (!opt.dataset_name) throw new Error('give --dataset_name');
  await setupBackend(String(opt.backend));
  await initNodeCodecs();
  const topn = Number(opt.topn);
  const epoch = String(opt.which_epoch);
  const outDir = resolve(
    String(opt.results_dir),
    String(opt.name),
    partition,
    `epoch_${epoch}`,
    String(opt.dataset_name),
    `patches_top${topn}`,
  );
  const transform = resolveTransformConfig({
    loadSize: Number(opt.loadSize),
    fineSize: Number(opt.fineSize),
    patchModel: true,
  });
  const { model } = await loadCheckpoint(
    join(resolve(String(opt.checkpoints_dir), String(opt.name)), epoch),
    { whichModelNetD: which },
  );
  // BatchNorm folded into the convolutions (as evaluate does): same logits within float rounding.
  const folded = opt.no_fold_bn ? null : foldBatchNorm(model);
  try {
    const geometry = receptiveField(model);
    const fakeId = Number(opt.fake_class_id);
    for (const [subset, dir, label] of [
      ['reals', String(opt.real_im_path), 1 - fakeId],
      ['fakes', String(opt.fake_im_path), fakeId],
    ] as const) {
      const { files } = await discoverImages(dir, { maxDatasetSize: Number(opt.max_dataset_size) });
      const { predictions, mapSize } = await predictFiles(folded ?? model, files, {
        transform,
        batchSize: Number(opt.batch_size),
        label,
        skipBadFiles: Boolean(opt.skip_bad_files),
        onWarning: (m) => say(`warning: ${m}`),
      });
      if (!mapSize) throw new Error('the model produced no patch map');
      const candidates = selectPatches(
        predictions,
        mapSize,
        topn,
        opt.unique ? 1 : topn,
        Number(opt.seed),
      );
      await writePatches({ dir: outDir, subset, candidates, geometry, transform, which, mapSize });
      say(
        `${subset}: ${candidates.length} patches (rf ${geometry.rf}) from ${predictions.length} images → ${join(outDir, `${subset}_easiest.json`)}`,
      );
    }
  } finally {
    folded?.dispose();
    model.dispose();
  }
  say(`patches in ${outDir}; next: npm run segment -- ${outDir}`);
}

runMain(
  withSmoke('patches', main, {
    needs: 'run',
    args: (ws) => [...smokeTestArgs(ws), '--topn', '20'],
  }),
);
