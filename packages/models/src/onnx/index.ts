/**
 * ONNX (browser-safe): `exportOnnx(model)` writes a patchfx model as an ONNX file for
 * onnxruntime (Node, browsers, Python). The protobuf messages are a protobufjs schema written
 * from the ONNX IR specification (`schema.ts`). `OnnxModel` runs such a file in onnxruntime
 * (an optional peer) with the tfjs model's layout (`runtime.ts`).
 */
export {
  exportOnnx,
  ONNX_OPSET,
  ONNX_IR_VERSION,
  ONNX_IO_NAMES,
  ONNX_METADATA_KEYS,
  type OnnxExportOptions,
} from './export.js';
export { readOnnxInfo, type OnnxModelInfo } from './inspect.js';
export {
  OnnxModel,
  loadOnnxRuntime,
  parseRuntime,
  RUNTIMES,
  ONNXRUNTIME_VERSION,
  type AsyncPredictor,
  type OnnxModelOptions,
  type OnnxRuntimeLike,
  type OnnxSessionLike,
  type OnnxTensorLike,
  type Runtime,
} from './runtime.js';
