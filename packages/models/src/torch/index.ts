/**
 * PyTorch checkpoint reading (browser-safe): a safe pickle subset, the `torch.save` zip and
 * legacy formats, safetensors, the reference's parameter names and layouts, and export back
 * to safetensors. Node file helpers are in `@patchfx/models/node`.
 */
export {
  TORCH_DTYPES,
  TorchStorage,
  TorchTensor,
  type TorchArray,
  type TorchDtype,
} from './tensor.js';
export {
  readTorchFile,
  SAFE_PICKLE_GLOBALS,
  TORCH_FILE_FORMATS,
  type TorchFile,
  type TorchFileFormat,
  type ReadTorchFileOptions,
} from './read.js';
export { torchParams, inferModelNames, IGNORED_TORCH_SUFFIXES, type TorchParam } from './names.js';
export {
  loadTorchCheckpoint,
  assignTorchStateDict,
  findStateDict,
  stateDictShapes,
  type LoadTorchCheckpointOptions,
  type LoadedTorchCheckpoint,
  type TorchStateDict,
} from './load.js';
export { encodeSafetensors, type EncodeSafetensorsOptions } from './safetensors.js';
