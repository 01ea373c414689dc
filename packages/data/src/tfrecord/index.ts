/**
 * @patchfx/data/tfrecord — TFRecord files (the framing of TensorFlow datasets and TensorBoard
 * event files, with both CRC-32C checks) and `tf.train.Example` records, including the image
 * record of the PGAN / StyleGAN dataset tools. Browser-safe; reading and writing files is
 * `readTfRecords` / `createTfRecordWriter` of `@patchfx/data/node`. A subpath of its own, so
 * importing `@patchfx/data` does not load protobufjs.
 */
export { encodeTfRecord, TFRECORD_OVERHEAD } from './frame.js';
export {
  createTfRecordParser,
  decodeTfRecords,
  streamTfRecords,
  TfRecordError,
  type TfRecord,
  type TfRecordParser,
  type TfRecordProblem,
  type TfRecordReadOptions,
} from './reader.js';
export {
  decodeExample,
  encodeExample,
  exampleToImage,
  imageToExample,
  decodeImageRecord,
  type ExampleFeature,
  type ExampleFeatures,
} from './example.js';
export {
  DATASET_SPLITS,
  FFHQ_BOUNDARIES,
  CELEBAHQ_SHUFFLE_SEED,
  ffhqTarget,
  celebahqTargets,
  parseCelebaHqImageList,
  parseCelebaPartitionList,
  type DatasetSplit,
  type ExportTarget,
} from './paper-datasets.js';
