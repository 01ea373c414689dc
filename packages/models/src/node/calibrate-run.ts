import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { ImageDecodeError } from '@patchfx/data';
import { DEFAULT_CALIBRATION_TARGETS, fitCalibration } from '../detector/calibrate.js';
import type { OnWarning } from '../detector/config.js';
import { describeDecision, decisionBand, type DetectorCalibration } from '../detector/decision.js';
import { updateCheckpointManifest } from './checkpoint.js';
import { loadDetectorFromPath } from './detector.js';

/** Options of {@link calibrateCheckpoints}. */
export interface CalibrateCheckpointsOptions {
  /** Image files known to be real (the train program passes its validation reals). */
  readonly real: readonly string[];
  /** Image files known to be fake. */
  readonly fake: readonly string[];
  /** The split's name, recorded in the calibration. @defaultValue 'val' */
  readonly split?: string;
  /** The checkpoint folders (under the run folder) to calibrate. @defaultValue ['bestval', 'latest'] */
  readonly tags?: readonly string[];
  /** See `fitCalibration`. @defaultValue 0.05 */
  readonly targetFpr?: number;
  /** See `fitCalibration`. @defaultValue 0.05 */
  readonly targetFnr?: number;
  /** Skip images that cannot be decoded (with a warning) instead of stopping. @defaultValue false */
  readonly skipBadFiles?: boolean;
  /** Where warnings go. @defaultValue console.warn */
  readonly onWarning?: OnWarning;
}

/** What {@link calibrateCheckpoints} stored in one checkpoint. */
export interface CheckpointCalibrated {
  /** The checkpoint folder's name, e.g. `'bestval'`. */
  readonly tag: string;
  readonly calibration: DetectorCalibration;
  /** `describeDecision` of the rule the detector of that checkpoint now uses. */
  readonly summary: string;
}

/** The deepest folder holding every file (`null` for none). */
function commonFolder(files: readonly string[]): string | null {
  if (files.length === 0) return null;
  let folder = dirname(files[0]);
  for (const f of files) {
    while (folder !== dirname(folder) && !(dirname(f) + sep).startsWith(folder + sep)) {
      folder = dirname(folder);
    }
  }
  return folder;
}

/**
 * Calibrates the checkpoints of a run on labelled images and stores each calibration in its
 * checkpoint's `checkpoint.json`, so that `loadDetectorFromPath(<run>/<tag>)` labels with it.
 * The train program calls it at the end of training on its validation split.
 *
 * Each checkpoint's detector (the checkpoint's own preprocessing, the default `after_softmax`
 * aggregation) scores every image; `fitCalibration` then sets the threshold at `targetFpr` on
 * the reals and the abstain band's lower edge at `targetFnr` on the fakes. The calibration
 * records what it was fitted on (`fittedOn`: split, folders, checkpoint, model, weights hash,
 * date). Checkpoints with the same weights are scored once; a missing tag is skipped.
 *
 * @param runDir - The run folder (`checkpoints/<name>`).
 * @param options - See {@link CalibrateCheckpointsOptions}.
 * @returns What was stored, per checkpoint.
 * @throws When a class has no image, or an image cannot be read (naming it; with
 *   `skipBadFiles` it is skipped instead).
 */
export async function calibrateCheckpoints(
  runDir: string,
  options: CalibrateCheckpointsOptions,
): Promise<CheckpointCalibrated[]> {
  const {
    real,
    fake,
    split = 'val',
    tags = ['bestval', 'latest'],
    targetFpr = DEFAULT_CALIBRATION_TARGETS.targetFpr,
    targetFnr = DEFAULT_CALIBRATION_TARGETS.targetFnr,
    skipBadFiles = false,
    onWarning = console.warn,
  } = options;
  if (real.length === 0 || fake.length === 0) {
    throw new Error(
      `calibration needs real and fake images, got ${real.length} real and ${fake.length} fake`,
    );
  }
  const done: CheckpointCalibrated[] = [];
  const scored = new Map<string, { real: number[]; fake: number[] }>();
  for (const tag of tags) {
    const dir = join(runDir, tag);
    if (!existsSync(dir)) continue;
    const detector = await loadDetectorFromPath(dir, { calibration: null, onWarning });
    let scores: { real: number[]; fake: number[] };
    let hash: string;
    try {
      hash = await detector.weightsSha256();
      const known = scored.get(hash);
      if (known) {
        scores = known;
      } else {
        const score = async (files: readonly string[]) => {
          const out: number[] = [];
          for (const file of files) {
            try {
              out.push((await detector.detect(file)).score);
            } catch (e) {
              if (!(skipBadFiles && e instanceof ImageDecodeError)) {
                throw new Error(
                  `calibrating '${dir}' on the ${split} split: ${(e as Error).message}` +
                    (e instanceof ImageDecodeError
                      ? ' (remove the file, or pass --skip_bad_files)'
                      : ''),
                  { cause: e },
                );
              }
              onWarning(`calibration skipped ${file}: ${(e as Error).message}`);
            }
          }
          return out;
        };
        scores = { real: await score(real), fake: await score(fake) };
        scored.set(hash, scores);
      }
    } finally {
      detector.dispose();
    }
    const fitted = fitCalibration(scores.real, scores.fake, { targetFpr, targetFnr });
    const calibration: DetectorCalibration = {
      ...fitted,
      fittedOn: {
        split,
        realFolder: commonFolder(real),
        fakeFolder: commonFolder(fake),
        checkpoint: tag,
        model: detector.name,
        weightsSha256: hash,
        date: new Date().toISOString(),
      },
    };
    await updateCheckpointManifest(dir, (m) => ({ ...m, calibration }));
    done.push({
      tag,
      calibration,
      summary: describeDecision(decisionBand(0.5, 1, calibration)),
    });
  }
  return done;
}
