/**
 * The reference's options (spec §2.5, §4.1), by their names, with patchfx's additions. Shared
 * by train, evaluate and patches so one `opt.yml` means the same thing to all of them.
 */
import {
  INIT_TYPES,
  referenceSizes,
  resolveModelConfig,
  type InitType,
  type ModelConfig,
} from '@patchfx/models';
// From evaluate, not onnx: its exporter would load protobufjs at every program's start-up.
import { ONNXRUNTIME_VERSION, RUNTIMES } from '@patchfx/models/evaluate';
import { AVERAGE_MODES } from '@patchfx/metrics';
import { BACKEND_OPTION } from './run.js';
import type { OptionSpecs, Options } from './options.js';

/** Options every program shares (`base_options.py`). */
export const BASE_OPTIONS: OptionSpecs = Object.freeze({
  model: {
    type: 'string',
    default: 'patch_discriminator',
    choices: ['patch_discriminator', 'basic_discriminator'],
    help: 'patch_discriminator (truncated net, patch map) or basic_discriminator (full-image baseline)',
  },
  which_model_netD: {
    type: 'string',
    default: 'xception_block2',
    help: 'network, e.g. xception_block2, resnet18_layer1, xception, resnet18',
  },
  fake_class_id: {
    type: 'number',
    default: 0,
    help: 'output channel of the fake class (real = 1 − it)',
  },
  gpu_ids: {
    type: 'string',
    default: '0',
    help: 'accepted for compatibility with reference configs; patchfx picks devices with --backend',
  },
  which_epoch: {
    type: 'string',
    default: 'latest',
    help: 'checkpoint to load: latest, bestval or an epoch number',
  },
  load_model: {
    type: 'boolean',
    default: false,
    help: 'load the --which_epoch checkpoint (resume training)',
  },
  seed: {
    type: 'number',
    default: 0,
    help: 'random seed: one seed, one model and one sequence of batches',
  },
  init_type: {
    type: 'string',
    default: 'xavier',
    choices: [...INIT_TYPES],
    help: 'weight initialisation',
  },
  loadSize: {
    type: 'number',
    default: null,
    help: 'resize the shorter side to this (default: 333 xception, 256 resnet)',
  },
  fineSize: {
    type: 'number',
    default: null,
    help: 'crop size (default: 299 xception, 224 resnet)',
  },
  nThreads: {
    type: 'number',
    default: 4,
    help: 'data-loading worker threads (capped at the number of cores)',
  },
  batch_size: { type: 'number', default: 32, help: 'images per batch: half real, half fake' },
  real_im_path: {
    type: 'string',
    default: null,
    help: 'folder of real images (train: with train/ and val/ inside)',
  },
  fake_im_path: {
    type: 'string',
    default: null,
    help: 'folder of fake images (train: with train/ and val/ inside)',
  },
  no_serial_batches: {
    type: 'boolean',
    default: false,
    help: 'pair each real with a random fake instead of in sorted order',
  },
  max_dataset_size: {
    type: 'number',
    default: Infinity,
    help: 'use at most this many images per folder',
  },
  name: {
    type: 'string',
    default: '',
    help: "run name; default '{model}_{which_model_netD}_size{fineSize}'; may use {option} placeholders",
  },
  suffix: {
    type: 'string',
    default: '',
    help: "appended to the name as '_<suffix>' (placeholders allowed)",
  },
  prefix: {
    type: 'string',
    default: '',
    help: "prepended to the name as '<prefix>-' (placeholders allowed)",
  },
  checkpoints_dir: { type: 'string', default: './checkpoints', help: 'where runs are saved' },
  results_dir: {
    type: 'string',
    default: './results/',
    help: 'where evaluation results are saved',
  },
  backend: BACKEND_OPTION,
  skip_bad_files: {
    type: 'boolean',
    default: false,
    help: 'skip corrupt/unreadable images with a warning instead of stopping',
  },
});

/** Training options (`train_options.py`) plus patchfx's. */
export const TRAIN_OPTIONS: OptionSpecs = Object.freeze({
  ...BASE_OPTIONS,
  display_freq: {
    type: 'number',
    default: 1000,
    help: 'every this many batches, TensorBoard gets the Visuals grid: up to 5 fake and 5 real inputs of the batch, each with its P(real) patch overlay',
  },
  tensorboard_dir: {
    type: 'string',
    default: 'runs',
    help: "TensorBoard event files go to <tensorboard_dir>/<name>/ (relative to where the command is run); '' or none: no event files",
  },
  print_freq: { type: 'number', default: 100, help: 'print losses every this many batches' },
  save_latest_freq: {
    type: 'number',
    default: 1000,
    help: "save 'latest' every this many batches",
  },
  save_epoch_freq: {
    type: 'number',
    default: 100,
    help: "save 'latest' and '<epoch>' every this many epochs",
  },
  beta1: { type: 'number', default: 0.9, help: "Adam's beta1" },
  lr: { type: 'number', default: 0.001, help: 'learning rate' },
  lr_policy: {
    type: 'string',
    default: 'constant',
    choices: ['constant', 'plateau'],
    help: 'learning-rate policy',
  },
  patience: {
    type: 'number',
    default: 10,
    help: 'plateau patience; training stops after 5 × patience epochs without improvement',
  },
  max_epochs: { type: 'number', default: null, help: 'stop after this epoch (when not improving)' },
  random_crop: {
    type: 'boolean',
    default: false,
    help: 'train on random fineSize crops of the loadSize image',
  },
  random_resized_crop: {
    type: 'boolean',
    default: false,
    help: 'train on torchvision RandomResizedCrop(fineSize)',
  },
  no_flip: { type: 'boolean', default: false, help: 'no random horizontal flips in training' },
  color_augment: {
    type: 'boolean',
    default: false,
    help: 'brightness/contrast and gamma augmentation',
  },
  all_augment: {
    type: 'boolean',
    default: false,
    help: 'blur, JPEG, brightness/contrast and gamma augmentation',
  },
  cnn_detection_augment: {
    type: 'number',
    default: 0,
    help: 'probability of the CNNDetection blur + JPEG augmentation (0 = off)',
  },
  isTrain: { type: 'boolean', default: true, help: 'set by the program' },
  overwrite_config: {
    type: 'boolean',
    default: false,
    help: 'start over in an existing run folder',
  },
  max_steps: {
    type: 'number',
    default: null,
    help: 'patchfx: stop after this many batches in total',
  },
  micro_batch: {
    type: 'string',
    default: 'auto',
    help: "patchfx: images per forward/backward pass in each thread ('auto': split only what would not fit the backend's memory, from the measured plan)",
  },
  batch_norm: {
    type: 'string',
    default: 'sync',
    choices: ['sync', 'local'],
    help: "patchfx: BatchNorm in training when a batch is divided among threads: 'sync' normalises the whole batch together, as the reference's one GPU (the threads exchange statistics); 'local' each thread's part alone, as PyTorch's DataParallel",
  },
  precise_bn: {
    type: 'number',
    default: 0,
    help: 'patchfx: before each validation, recompute BatchNorm statistics from this many training batches (needed for short runs)',
  },
  quiet: { type: 'boolean', default: false, help: 'no progress bar' },
});

/** Evaluation options (`test_options.py`) plus patchfx's. */
export const TEST_OPTIONS: OptionSpecs = Object.freeze({
  ...BASE_OPTIONS,
  which_epoch: { ...BASE_OPTIONS.which_epoch, default: 'bestval' },
  train_config: { type: 'string', default: null, help: 'the opt.yml of the training run' },
  dataset_name: {
    type: 'string',
    default: null,
    help: 'name of the test set (a results sub-folder)',
  },
  partition: {
    type: 'string',
    default: null,
    help: "partition name (a results sub-folder); must appear in both image paths, except 'all' (the folders as they are). Not given: the folders' own name when both are train, val or test, else 'all'",
  },
  force_redo: { type: 'boolean', default: false, help: 'evaluate even if results are up to date' },
  visualize: {
    type: 'boolean',
    default: false,
    help: 'write heatmaps of the easiest and hardest images',
  },
  average_mode: {
    type: 'string',
    default: 'after_softmax',
    choices: [...AVERAGE_MODES],
    help: "the aggregation that ranks images for --visualize, and whose AP robustness reports (the reference's scripts use after_softmax)",
  },
  heatmap_scale: {
    type: 'string',
    default: 'per_image',
    choices: ['per_image', 'absolute'],
    help: "--visualize colours: per_image stretches each map's min–max over the colormap (the reference; p≈0.5 can look as sure as p≈1), absolute puts probability 0–1 straight onto it",
  },
  topn: {
    type: 'number',
    default: 100,
    help: 'images per gallery (visualize; at most half of each class) or patches kept (patches)',
  },
  test_flip: { type: 'boolean', default: false, help: 'flip every test image' },
  test_compression: {
    type: 'number',
    default: null,
    help: 'JPEG-recompress test images at this quality',
  },
  test_blur: { type: 'number', default: null, help: 'box-blur test images with this kernel size' },
  test_gamma: { type: 'number', default: null, help: 'apply gamma <value>/100 to test images' },
  test_resize: {
    type: 'number',
    default: null,
    help: 'resize test images by this factor and back',
  },
  unique: {
    type: 'boolean',
    default: false,
    help: 'patches: keep only the single best patch of each image',
  },
  no_fold_bn: {
    type: 'boolean',
    default: false,
    help: 'patchfx (evaluate, patches): run the model as trained instead of with BatchNorm folded into the convolutions (slower; same scores within float rounding)',
  },
  runtime: {
    type: 'string',
    default: 'tfjs',
    choices: [...RUNTIMES],
    help: `patchfx (evaluate, patches, robustness, test-runs): where the model runs: tfjs, or onnx (exported on the fly and run by onnxruntime-node, an optional peer: npm install onnxruntime-node@${ONNXRUNTIME_VERSION}; the same scores within float rounding)`,
  },
  isTrain: { type: 'boolean', default: false, help: 'set by the program' },
});

/**
 * The command-line boundary of the model: parses `--which_model_netD` (with `--fake_class_id`,
 * `--init_type` and `--seed` where the program has them) once into a {@link ModelConfig}, and
 * fills `loadSize`/`fineSize` with the variant's reference sizes where not given (spec §1.2:
 * 333/299 for Xception-based nets, 256/224 for ResNets). Past it, programs pass `model`.
 *
 * @throws For an unknown model name (with a "did you mean") or an invalid field.
 */
export function resolveModelOptions(values: Options): {
  readonly values: Options;
  readonly model: ModelConfig;
} {
  const model = resolveModelConfig(String(values.which_model_netD), {
    ...(values.fake_class_id != null ? { fakeClassId: Number(values.fake_class_id) as 0 | 1 } : {}),
    ...(values.init_type != null ? { initType: String(values.init_type) as InitType } : {}),
    ...(values.seed != null ? { seed: Number(values.seed) } : {}),
  });
  const ref = referenceSizes(model);
  return {
    values: {
      ...values,
      loadSize: values.loadSize ?? ref.loadSize,
      fineSize: values.fineSize ?? ref.fineSize,
    },
    model,
  };
}
