/**
 * train: the reference's train.py — trains a patch discriminator (or a full-image baseline) on
 * `--real_im_path`/`--fake_im_path` folders holding `train/` and `val/`, writing
 * `checkpoints/<name>/` (opt.yml, checkpoints, log.jsonl, bestval_ep.txt, done.txt) and TensorBoard
 * event files in `runs/<name>/` (`--tensorboard_dir`).
 *
 *   npm run train -- --real_im_path R --fake_im_path F --which_model_netD xception_block2
 *   npm run train -- checkpoints/<name>/opt.yml --load_model --which_epoch latest   # resume
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  TRAIN_OPTIONS,
  expandName,
  jsonlWriter,
  onInterrupt,
  parseOptions,
  progressBar,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  truncateTrainingLog,
  workerCount,
  SMOKE_SIZES,
  resolveModelOptions,
  smokeTrainArgs,
  withSmoke,
} from '@patchfx/example-common';
import { auditFiles, discoverPairedSplit } from '@patchfx/data/node';
import {
  buildPatchDiscriminator,
  CHECKPOINT_FILES,
  checkpointPreprocessing,
  disposeAdamState,
  isPatchModel,
  modelName,
} from '@patchfx/models';
import {
  Adam,
  planMicroBatch,
  readTrainingState,
  trainPatchDiscriminator,
  type TrainingState,
} from '@patchfx/models/train';
import {
  calibrateCheckpoints,
  checkpointSink,
  createDataParallel,
  describeBatchSplit,
  loadCheckpoint,
  pairedSource,
  type BatchNormMode,
  type DataParallel,
} from '@patchfx/models/node';
import { prepareRunFolder, takeLock } from './run-folder.js';
import { openTrainingBoard, TENSORBOARD_OFF, type TrainingBoard } from './tensorboard.js';

/**
 * How many threads train (data-parallel). A property of the machine, not of the run: it is not
 * saved in opt.yml (which evaluate and the other programs read too), and a resumed run takes
 * it from its command line.
 */
const WORKERS_OPTION = {
  workers: {
    type: 'string' as const,
    default: 'auto',
    help: "patchfx: threads that train, this one included (data-parallel, each with its own backend and model replica); 'auto': 2 on wasm with ≥ 2 cores, else 1",
  },
};
const OPTIONS = { ...TRAIN_OPTIONS, ...WORKERS_OPTION, smoke: SMOKE_OPTION };

/**
 * Images per forward/backward pass in each thread: `--micro_batch N`, or with `auto` the
 * measured memory plan (`planMicroBatch`: splits only where one pass would not fit the
 * backend's memory, e.g. wasm's 4 GiB). null: each thread's whole share in one pass.
 */
function microBatchFor(
  option: string,
  plan: () => number | null,
  batchSize: number,
): number | null {
  if (option === 'auto') return plan();
  const n = Number(option);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--micro_batch must be 'auto' or a positive integer, got '${option}'`);
  return n >= batchSize ? null : n;
}

async function main(argv: readonly string[]): Promise<number | void> {
  const parsed = parseOptions(
    OPTIONS,
    argv,
    'train',
    '[opt.yml] --real_im_path DIR --fake_im_path DIR [options]',
  );
  const { smoke: _smoke, workers: workersOption, ...raw } = parsed.values;
  // The model name is parsed here, once; past this point the resolved config travels.
  const resolved = resolveModelOptions({ ...raw, isTrain: true });
  const modelConfig = resolved.model;
  const opt = expandName(resolved.values);
  const modelKind = opt.model;
  const which = modelName(modelConfig);
  const patch = isPatchModel(modelConfig);
  if (patch !== (modelKind === 'patch_discriminator')) {
    throw new Error(
      `--model ${modelKind} does not fit --which_model_netD ${which}: ` +
        (patch
          ? 'a truncated net needs --model patch_discriminator'
          : 'a full network needs --model basic_discriminator'),
    );
  }
  if (!opt.real_im_path || !opt.fake_im_path) {
    throw new Error(
      'give --real_im_path and --fake_im_path (folders with train/ and val/ inside), or an opt.yml',
    );
  }
  const batchSize = Number(opt.batch_size);
  if (!Number.isInteger(batchSize) || batchSize < 2 || batchSize % 2) {
    throw new Error(
      `--batch_size must be an even integer ≥ 2 (half real, half fake), got ${batchSize}`,
    );
  }
  const batchNorm = String(opt.batch_norm) as BatchNormMode; // checked against its choices
  const fine = Number(opt.fineSize);
  const load = Number(opt.loadSize);
  const maxSize = Number(opt.max_dataset_size);
  // Both read at once; when both fail, the train split's error is the one reported (not
  // whichever read lost the race).
  const settled = await Promise.allSettled(
    (['train', 'val'] as const).map((p) =>
      discoverPairedSplit(String(opt.real_im_path), String(opt.fake_im_path), p, {
        maxDatasetSize: maxSize,
      }),
    ),
  );
  const [trainSplit, valSplit] = settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  say(
    `data: ${trainSplit.real.length} real + ${trainSplit.fake.length} fake train, ${valSplit.real.length} + ${valSplit.fake.length} val`,
  );
  const audit = await auditFiles(trainSplit.real, trainSplit.fake, { maxFiles: 200 });
  for (const w of audit.warnings) say(`audit warning: ${w}`);
  for (const n of audit.notes) say(`audit note: ${n}`);

  // Before the run folder is written: a backend that cannot start leaves no half-made run.
  await setupBackend(String(opt.backend));
  const runDir = resolve(String(opt.checkpoints_dir), String(opt.name));
  const status = prepareRunFolder(runDir, opt, TRAIN_OPTIONS);
  if (status === 'finished') {
    say(
      `run '${opt.name}' already finished (${join(runDir, 'done.txt')}); nothing to resume. Add --overwrite_config to train it again.`,
    );
    return 0;
  }
  const release = takeLock(runDir);
  const logPath = join(runDir, 'log.jsonl');
  const log = jsonlWriter(logPath);
  const resumeCommand = `npm run train -- ${join(runDir, 'opt.yml')} --load_model --which_epoch latest`;
  // Ctrl-C / SIGTERM: finish the batch in flight, save latest there, say how to resume.
  let trained = false;
  const interrupt = onInterrupt((s) => {
    const again = s === 'SIGINT' ? 'press Ctrl-C' : 'send it';
    return trained
      ? `${s}: training has finished; calibrating on the val split, then exiting (${again} again to quit at once, uncalibrated)`
      : `${s}: stopping after the current batch and saving 'latest' (${again} again to quit at once, without saving)`;
  });
  try {
    const { fakeClassId } = modelConfig;
    let model;
    let resume: { state: TrainingState; optimizer: Adam } | undefined;
    if (opt.load_model) {
      const tag = String(opt.which_epoch);
      const ck = await loadCheckpoint(join(runDir, tag), {
        whichModelNetD: modelConfig,
        withOptimizer: true,
      });
      model = ck.model;
      const optimizer = new Adam({ learningRate: Number(opt.lr), beta1: Number(opt.beta1) });
      if (ck.optimizerState) optimizer.setState(ck.optimizerState);
      disposeAdamState(ck.optimizerState);
      let state = readTrainingState(
        ck.manifest.state,
        join(runDir, tag, CHECKPOINT_FILES.manifest),
      );
      // A numbered checkpoint was saved at the end of its epoch: continue with the next one.
      if (/^\d+$/.test(tag)) state = { ...state, epoch: Number(tag) + 1, stepInEpoch: 0 };
      resume = { state: { ...state, done: false }, optimizer };
      say(
        `resuming '${opt.name}' from '${tag}': epoch ${state.epoch}, batch ${state.stepInEpoch}, ${state.totalSteps} batches done`,
      );
      // The batches and epochs after the checkpoint run again: log each step once.
      const dropped = truncateTrainingLog(logPath, { epoch: state.epoch, step: state.totalSteps });
      if (dropped)
        say(`log.jsonl: dropped ${dropped} record(s) past the checkpoint (they run again now)`);
      log({ event: 'resume', from: tag, epoch: state.epoch, step: state.totalSteps });
    } else {
      model = buildPatchDiscriminator(modelConfig);
      log({ event: 'start', name: opt.name, which_model_netD: which, backend: tf.getBackend() });
    }
    const trainThreads = workerCount(String(workersOption), tf.getBackend());
    const microBatch = microBatchFor(
      String(opt.micro_batch),
      () =>
        planMicroBatch({
          model,
          size: fine,
          batchSize,
          backend: tf.getBackend(),
          threads: trainThreads,
        }).microBatch,
      batchSize,
    );
    const workers = Math.max(0, Math.min(Number(opt.nThreads), cpus().length));
    const source = pairedSource({
      train: trainSplit,
      val: valSplit,
      transform: {
        loadSize: load,
        fineSize: fine,
        patchModel: patch,
        randomCrop: Boolean(opt.random_crop),
        randomResizedCrop: Boolean(opt.random_resized_crop),
        noFlip: Boolean(opt.no_flip),
        colorAugment: Boolean(opt.color_augment),
        allAugment: Boolean(opt.all_augment),
        cnnDetectionAugment: Number(opt.cnn_detection_augment),
      },
      batchSize,
      seed: Number(opt.seed),
      noSerialBatches: Boolean(opt.no_serial_batches),
      fakeClassId,
      workers,
      skipBadFiles: Boolean(opt.skip_bad_files),
      onWarning: (m) => say(`warning: ${m}`),
    });
    say(
      `training ${which} on ${tf.getBackend()} at ${fine}×${fine}: ${source.batchesPerEpoch} batches of ${batchSize} per epoch` +
        (microBatch ? `, micro-batches of ${microBatch}` : '') +
        `, ${trainThreads} training thread(s), ${workers} loader thread(s); run folder ${runDir}`,
    );
    const bar = progressBar(Boolean(opt.quiet) || !process.stderr.isTTY);
    const printFreq = Number(opt.print_freq);
    const displayFreq = Number(opt.display_freq);
    for (const [k, v] of [
      ['print_freq', printFreq],
      ['display_freq', displayFreq],
    ] as const) {
      if (!(Number.isInteger(v) && v >= 1))
        throw new Error(`--${k} must be a positive integer (batches), got ${v}`);
    }
    let epochStart = performance.now();
    let barEpoch = -1;
    let parallel: DataParallel | undefined;
    let board: TrainingBoard | undefined;
    try {
      parallel = await createDataParallel({
        workers: trainThreads,
        batchNorm,
      });
      // Which images BatchNorm normalises together: recorded in log.jsonl, opt.yml (a
      // comment) and every checkpoint, so runs can be compared.
      const training = {
        backend: tf.getBackend(),
        batchSize,
        threads: parallel.config.workers,
        ...describeBatchSplit(batchSize, parallel.config, microBatch ?? undefined),
      };
      const bnText =
        `BatchNorm over ${training.batchNormImages} image(s)` +
        (training.batchNormSynchronised
          ? `, synchronised across ${training.threads} threads`
          : training.batchNormImages < batchSize
            ? ` (of ${batchSize}: each part alone)`
            : ' (the whole batch)');
      say(`${training.imagesPerPass} image(s) per pass per thread; ${bnText}`);
      if (
        training.batchNormImages < batchSize &&
        batchNorm === 'sync' &&
        opt.micro_batch === 'auto'
      ) {
        // Each thread has its own memory: enough threads hold the batch in one round.
        for (let k = training.threads + 1; k <= batchSize / 2; k++) {
          const p = planMicroBatch({
            model,
            size: fine,
            batchSize,
            backend: training.backend,
            threads: k,
          });
          if (p.microBatch === null) {
            say(
              `hint: --workers ${k} normalises the whole batch of ${batchSize} (${k} threads of ${p.perThread} images, ` +
                `~${((k * p.estimatedBytes) / 2 ** 30).toFixed(1)} GiB in all; on ${cpus().length} cores they take turns)`,
            );
            break;
          }
        }
      }
      log({ event: 'setup', training });
      const tbDir = String(opt.tensorboard_dir ?? '');
      if (!TENSORBOARD_OFF.includes(tbDir)) {
        board = await openTrainingBoard(resolve(tbDir, String(opt.name)), {
          model,
          patch,
          fakeClassId,
          printFreq,
          // The visuals' forward pass runs on this thread: the memory plan for one thread says
          // whether the whole batch fits one pass (a training pass needs more than it).
          passSize: patch
            ? planMicroBatch({
                model,
                size: fine,
                batchSize,
                backend: training.backend,
                threads: 1,
              }).microBatch
            : null,
          resumedAt: resume ? resume.state.totalSteps : null,
          onWarning: (m) => say(`warning: ${m}`),
        });
        say(`TensorBoard: ${board.path} (tensorboard --logdir ${resolve(tbDir)})`);
      }
      appendFileSync(
        join(runDir, 'opt.yml'),
        `# resolved ${new Date().toISOString()}: ${training.threads} thread(s) on ${training.backend}, ` +
          `${training.imagesPerPass} image(s) per pass, ${bnText}\n`,
      );
      const result = await trainPatchDiscriminator(
        {
          model,
          data: source,
          checkpoints: checkpointSink(runDir, {
            training,
            preprocessing: checkpointPreprocessing({
              loadSize: load,
              fineSize: fine,
              crop: opt.random_resized_crop
                ? 'random_resized'
                : opt.random_crop
                  ? 'random'
                  : 'center',
            }),
          }),
          resume,
          steps: parallel,
          signal: interrupt.signal,
          config: {
            lrPolicy: opt.lr_policy as 'constant' | 'plateau',
            patience: Number(opt.patience),
            maxEpochs: opt.max_epochs == null ? null : Number(opt.max_epochs),
            maxSteps: opt.max_steps == null ? null : Number(opt.max_steps),
            saveLatestFreq: Number(opt.save_latest_freq),
            saveEpochFreq: Number(opt.save_epoch_freq),
            microBatchSize: microBatch,
            adam: { learningRate: Number(opt.lr), beta1: Number(opt.beta1) },
            preciseBnBatches: Number(opt.precise_bn ?? 0),
            displayFreq,
          },
        },
        {
          onDisplay: board && ((b) => board!.display(b)),
          onStep(l) {
            if (l.epoch !== barEpoch) {
              bar.stop();
              bar.start(source.batchesPerEpoch, `epoch ${l.epoch}`);
              barEpoch = l.epoch;
              epochStart = performance.now();
            }
            bar.update(l.stepInEpoch, {
              loss: l.loss.toFixed(3),
              acc: l.raw.toFixed(3),
              ips: l.imagesPerSecond.toFixed(1),
            });
            log({
              event: 'step',
              step: l.step,
              epoch: l.epoch,
              loss_D: l.loss,
              acc_D_raw: l.raw,
              acc_D_voted: l.voted,
              acc_D_avg: l.avg,
              lr: l.lr,
              images_per_second: l.imagesPerSecond,
              data_seconds: l.dataSeconds,
            });
            board?.step(l);
            if (l.step % printFreq === 0) {
              const t = ((performance.now() - epochStart) / 1000).toFixed(1);
              say(
                `(epoch: ${l.epoch}, iters: ${(l.stepInEpoch / source.batchesPerEpoch).toFixed(3)}, time: ${t}, data: ${l.dataSeconds.toFixed(3)}) ` +
                  `loss_D: ${l.loss.toFixed(3)}, acc_D_raw: ${l.raw.toFixed(3)}, acc_D_voted: ${l.voted.toFixed(3)}, acc_D_avg: ${l.avg.toFixed(3)}, ` +
                  `${l.imagesPerSecond.toFixed(1)} img/s`,
              );
            }
          },
          onEpochEnd(l) {
            bar.stop();
            barEpoch = -1;
            log({
              event: 'epoch',
              epoch: l.epoch,
              step: l.step,
              loss_D: l.train.loss,
              acc_D_raw: l.train.raw,
              loss_D_val: l.val.loss,
              acc_D_raw_val: l.val.raw,
              acc_D_voted_val: l.val.voted,
              acc_D_avg_val: l.val.avg,
              lr: l.lr,
              best_val_metric: l.bestValMetric,
              best_val_epoch: l.bestValEpoch,
              seconds: l.seconds,
            });
            board?.epoch(l);
            say(
              `epoch ${l.epoch}: val loss_D ${l.val.loss.toFixed(4)}, acc_D_raw ${l.val.raw.toFixed(4)}, acc_D_voted ${l.val.voted.toFixed(4)}, ` +
                `acc_D_avg ${l.val.avg.toFixed(4)}${l.improved ? ' (best: saved bestval)' : ''} [${l.seconds.toFixed(0)} s]`,
            );
          },
        },
      );
      bar.stop();
      if (result.stopReason === 'interrupted') {
        const { epoch, stepInEpoch, totalSteps } = result.state;
        log({ event: 'interrupted', signal: interrupt.received, epoch, step: totalSteps });
        say(
          `interrupted (${interrupt.received}) at epoch ${epoch}, batch ${stepInEpoch} (${totalSteps} batches done); saved ${join(runDir, 'latest')}\n` +
            `resume with: ${resumeCommand}`,
        );
        return interrupt.exitCode;
      }
      trained = true;
      // Calibrate bestval and latest on the validation split (the rule: fitCalibration).
      const calibrated = await calibrateCheckpoints(runDir, {
        real: valSplit.real,
        fake: valSplit.fake,
        skipBadFiles: Boolean(opt.skip_bad_files),
        onWarning: (m) => say(`warning: ${m}`),
      });
      for (const c of calibrated) say(`calibrated ${c.tag}: ${c.summary}`);
      log({
        event: 'end',
        reason: result.stopReason,
        epoch: result.state.epoch,
        step: result.state.totalSteps,
      });
      writeFileSync(join(runDir, 'done.txt'), `${new Date().toISOString()} ${result.stopReason}\n`);
      if (source.skippedFiles.length)
        say(`skipped ${source.skippedFiles.length} bad file(s); see the warnings above`);
      say(
        `done (${result.stopReason}) after ${result.state.totalSteps} batches; best val acc_D_raw ${result.state.bestValMetric.toFixed(4)} ` +
          `at epoch ${result.state.bestValEpoch}; checkpoints in ${runDir}`,
      );
    } finally {
      bar.stop();
      board?.close();
      await parallel?.dispose();
      await source.close();
      resume?.optimizer.dispose();
      model.dispose();
    }
  } finally {
    interrupt.dispose();
    release();
  }
}

runMain(
  withSmoke('train', main, {
    needs: 'data',
    args: (ws) => [
      ...smokeTrainArgs(ws),
      '--max_steps',
      String(SMOKE_SIZES.steps),
      '--precise_bn',
      '1',
      '--print_freq',
      '1',
      '--checkpoints_dir',
      ws.checkpointsDir,
      '--tensorboard_dir',
      join(ws.root, 'runs'),
      '--display_freq',
      '1',
      '--name',
      SMOKE_SIZES.runName,
      '--quiet',
    ],
  }),
);
