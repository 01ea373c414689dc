/**
 * evaluate: the reference's test.py.
 *
 *   npm run evaluate -- --train_config checkpoints/<name>/opt.yml --partition test \
 *     --dataset_name <n> --real_im_path <dir>/test --fake_im_path <dir>/test [--visualize --average_mode after_softmax --topn 10]
 */
import {
  resolveTestOptions,
  runEvaluation,
  runMain,
  say,
  setupBackend,
  smokeTestArgs,
  SMOKE_OPTION,
  withSmoke,
  writeRunReport,
} from '@patchfx/example-common';

async function main(argv: readonly string[]): Promise<number | void> {
  const { options: opt, model } = resolveTestOptions(argv, { smoke: SMOKE_OPTION });
  if (!opt.name)
    throw new Error(
      'give --train_config checkpoints/<name>/opt.yml (or --name and the model options)',
    );
  await setupBackend(String(opt.backend));
  const r = await runEvaluation(opt, model);
  if (!r.skipped) {
    for (const [stem, m] of Object.entries(r.metrics)) {
      say(
        `${stem.padEnd(28)} AP(real) ${(100 * m.ap).toFixed(2)}  AP(fake) ${(100 * m.ap_fake).toFixed(2)}  acc ${(100 * m.acc).toFixed(2)}  n ${m.n}`,
      );
    }
    say(
      `${r.n} images in ${(r.n / r.imagesPerSecond).toFixed(1)} s (${r.imagesPerSecond.toFixed(2)} images/s, whole program); results in ${r.outDir}`,
    );
  }
  const report = writeRunReport(opt);
  say(`report: ${report}`);
}

runMain(
  withSmoke('evaluate', main, {
    needs: 'run',
    args: (ws) => [
      ...smokeTestArgs(ws),
      '--visualize',
      '--average_mode',
      'after_softmax',
      '--topn',
      '2',
    ],
  }),
);
