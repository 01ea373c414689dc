/**
 * patches: the most predictive patch of every image (the reference's patches.py).
 *
 *   npm run patches -- --train_config checkpoints/<name>/opt.yml --which_epoch bestval --partition test \
 *     --dataset_name <n> --real_im_path <dir>/test --fake_im_path <dir>/test --topn 10000 --unique
 */
import { join, resolve } from 'node:path';
import { isPatchModel } from '@patchfx/models';
import { collectTopPatches, parseRuntime } from '@patchfx/models/evaluate';
import {
  resolvePartition,
  resolveTestOptions,
  runMain,
  say,
  setupBackend,
  smokeTestArgs,
  SMOKE_OPTION,
  withSmoke,
} from '@patchfx/example-common';
import { writePatches } from './patches.js';

async function main(argv: readonly string[]): Promise<number | void> {
  const { options: opt, model } = resolveTestOptions(
    argv,
    { smoke: SMOKE_OPTION },
    'patches',
    '--train_config opt.yml --dataset_name N --real_im_path DIR --fake_im_path DIR [--topn 10000 --unique]',
  );
  const which = String(opt.which_model_netD);
  if (!isPatchModel(model))
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
  const found = await collectTopPatches({
    realDir: String(opt.real_im_path),
    fakeDir: String(opt.fake_im_path),
    model: join(resolve(String(opt.checkpoints_dir), String(opt.name)), epoch),
    whichModelNetD: model,
    size: Number(opt.fineSize),
    topn,
    perImage: opt.unique ? 1 : topn,
    seed: Number(opt.seed),
    fakeClassId: Number(opt.fake_class_id) as 0 | 1,
    batchSize: Number(opt.batch_size),
    maxDatasetSize: Number(opt.max_dataset_size),
    // BatchNorm folded into the convolutions (as evaluate does): same logits within float rounding.
    foldBatchNorm: !opt.no_fold_bn,
    runtime: parseRuntime(opt.runtime),
    skipBadFiles: Boolean(opt.skip_bad_files),
    onWarning: (m) => say(`warning: ${m}`),
  });
  const { geometry, mapSize } = found;
  for (const subset of ['reals', 'fakes'] as const) {
    const patches = found[subset];
    writePatches({
      dir: outDir,
      subset,
      patches,
      geometry,
      size: found.transform.loadSize,
      which,
      mapSize,
    });
    say(
      `${subset}: ${patches.candidates.length} patches (rf ${geometry.rf}) from ${patches.imageCount} images → ${join(outDir, `${subset}_easiest.json`)}`,
    );
  }
  say(`patches in ${outDir}; next: npm run segment -- ${outDir}`);
}

runMain(
  withSmoke('patches', main, {
    needs: 'run',
    args: (ws) => [...smokeTestArgs(ws), '--topn', '20'],
  }),
);
