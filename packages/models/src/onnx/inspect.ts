/**
 * Reading what a patchfx ONNX file says about itself (its `metadata_props`), without
 * onnxruntime: the model name and config, receptive field, preprocessing and calibration that a
 * detector needs to run the file as it would run the checkpoint it came from.
 */
import type { ModelMetadata } from '../build.js';
import { checkCalibration, type DetectorCalibration } from '../detector/decision.js';
import {
  checkPreprocessing,
  NORMALIZATION,
  type CheckpointPreprocessing,
} from '../io/checkpoint.js';
import type { ReceptiveField } from '../receptive-field.js';
import { isPatchModel, resolveModelConfig } from '../variants.js';
import { ONNX_METADATA_KEYS } from './export.js';
import { decodeModelHeader } from './schema.js';

/** What a patchfx ONNX file records (see `ONNX_METADATA_KEYS`). */
export interface OnnxModelInfo {
  /** The model's name and construction config, as a checkpoint's metadata. */
  readonly metadata: ModelMetadata;
  /** The receptive field of a patch model; `null` for a full-image model. */
  readonly receptiveField: ReceptiveField | null;
  /** The input normalisation: `(rgb / scale − mean) / std`. */
  readonly normalization: { readonly scale: number; readonly mean: number; readonly std: number };
  /** The checkpoint's preprocessing, when the exporter was given it. */
  readonly preprocessing?: CheckpointPreprocessing;
  /** The checkpoint's calibration, when it had one. */
  readonly calibration?: DetectorCalibration;
  /** The patchfx version that wrote the file. */
  readonly producerVersion: string;
  /** The default-domain opset the graph uses. */
  readonly opset: number;
}

function parseJson(text: string, key: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(
      `${where}: metadata '${key}' is not JSON (${JSON.stringify(text.slice(0, 40))})`,
    );
  }
}

function checkReceptiveField(value: unknown, where: string): ReceptiveField {
  const v = value as Partial<ReceptiveField> | null;
  const ok = (x: unknown, min: number) => Number.isInteger(x) && (x as number) >= min;
  if (!(ok(v?.rf, 1) && ok(v?.jump, 1) && Number.isInteger(v?.offset))) {
    throw new Error(
      `${where}: metadata '${ONNX_METADATA_KEYS.receptiveField}' is ${JSON.stringify(value)}; expected { rf, jump, offset } integers`,
    );
  }
  return { rf: v!.rf!, jump: v!.jump!, offset: v!.offset! };
}

/**
 * Reads the patchfx metadata of an ONNX file written by `exportOnnx` (or
 * `npm run export-onnx`). Only the file's header fields are interpreted; the weights are not
 * copied.
 *
 * @param bytes - The `.onnx` file's bytes.
 * @param where - The file's name or URL, for messages. @defaultValue 'the ONNX file'
 * @returns What the file records.
 * @throws When the bytes are not an ONNX model, or the model was not exported by patchfx
 *   (no `patchfx.which_model_netD`), or a metadata value is damaged; each message names the
 *   file and the fix.
 *
 * @example
 * ```ts doctest
 * import { buildPatchDiscriminator } from '@patchfx/models';
 * import { exportOnnx, readOnnxInfo } from '@patchfx/models/onnx';
 * const model = buildPatchDiscriminator('xception_block1', { seed: 1 });
 * const info = readOnnxInfo(exportOnnx(model));
 * [info.metadata.whichModelNetD, info.receptiveField?.jump]; // => ['xception_block1', 4]
 * model.dispose();
 * ```
 */
export function readOnnxInfo(bytes: Uint8Array, where = 'the ONNX file'): OnnxModelInfo {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new Error(`${where}: empty; give the bytes of an .onnx file`);
  }
  let header: ReturnType<typeof decodeModelHeader>;
  try {
    header = decodeModelHeader(bytes);
  } catch (e) {
    throw new Error(
      `${where} is not an ONNX model (${(e as Error).message}); export one with \`npm run export-onnx\` or exportOnnx()`,
      { cause: e },
    );
  }
  if (!(header.irVersion > 0) || !header.hasGraph) {
    throw new Error(
      `${where} is not an ONNX model (no IR version or graph); export one with \`npm run export-onnx\` or exportOnnx()`,
    );
  }
  const K = ONNX_METADATA_KEYS;
  const props = header.metadata;
  const name = props.get(K.whichModelNetD);
  const configText = props.get(K.modelConfig);
  if (name === undefined || configText === undefined) {
    throw new Error(
      `${where} is an ONNX model but not one patchfx exported (producer '${header.producerName}', no '${K.whichModelNetD}' metadata): ` +
        'patchfx needs the model name, config and receptive field it records; export the checkpoint with `npm run export-onnx`',
    );
  }
  let config;
  try {
    config = resolveModelConfig(parseJson(configText, K.modelConfig, where) as never);
  } catch (e) {
    throw new Error(`${where}: metadata '${K.modelConfig}': ${(e as Error).message}`, { cause: e });
  }
  const patch = isPatchModel(config);
  const rfText = props.get(K.receptiveField);
  if (patch && rfText === undefined) {
    throw new Error(
      `${where}: a patch model's file must record '${K.receptiveField}'; re-export it`,
    );
  }
  const normText = props.get(K.normalization);
  const normalization =
    normText === undefined
      ? { ...NORMALIZATION }
      : (parseJson(normText, K.normalization, where) as OnnxModelInfo['normalization']);
  const pre = props.get(K.preprocessing);
  const cal = props.get(K.calibration);
  return {
    metadata: { whichModelNetD: name, config },
    receptiveField: patch
      ? checkReceptiveField(parseJson(rfText!, K.receptiveField, where), where)
      : null,
    normalization,
    ...(pre !== undefined
      ? {
          preprocessing: checkPreprocessing(
            parseJson(pre, K.preprocessing, where),
            `${where}: preprocessing`,
          ),
        }
      : {}),
    ...(cal !== undefined
      ? {
          calibration: checkCalibration(
            parseJson(cal, K.calibration, where),
            `${where}: calibration`,
          ),
        }
      : {}),
    producerVersion: header.producerVersion,
    opset: header.opset,
  };
}
