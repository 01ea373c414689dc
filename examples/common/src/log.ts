import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { writeFileAtomic } from '@patchfx/data/node';

/** Appends JSON lines (one object per line) to a file; creates the folder. */
export function jsonlWriter(path: string): (record: Record<string, unknown>) => void {
  mkdirSync(dirname(path), { recursive: true });
  return (record) =>
    appendFileSync(path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}

/** Reads a JSON-lines file: one object per line; a line cut short by a killed run is skipped. */
export function readJsonl(path: string): Array<Record<string, unknown>> {
  return parseJsonl(readFileSync(path, 'utf8'));
}

function parseJsonl(text: string): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // cut by a kill: skip
    }
  }
  return records;
}

/** A record of the train program's `log.jsonl`. */
export interface TrainingLogRecord {
  /** `start`, `resume`, `step`, `epoch`, `interrupted` or `end`. */
  readonly event: string;
  /** Batches done in total (`step`, `epoch`, …). */
  readonly step?: number;
  readonly epoch?: number;
  readonly [key: string]: unknown;
}

/** Whether a `log.jsonl` line is a training record (it names its event). */
function isTrainingLogRecord(r: Record<string, unknown>): r is TrainingLogRecord {
  return typeof r.event === 'string';
}

/**
 * The train program's `log.jsonl` as curves should draw it: the `step` records by step and the
 * `epoch` records by epoch, each step and epoch once (its last record: a resumed run re-runs
 * what came after its checkpoint; the train program drops those records when it resumes, and
 * this keeps logs written before it did from doubling back).
 */
export function readTrainingLog(path: string): {
  steps: TrainingLogRecord[];
  epochs: TrainingLogRecord[];
} {
  const steps = new Map<number, TrainingLogRecord>();
  const epochs = new Map<number, TrainingLogRecord>();
  for (const r of readJsonl(path).filter(isTrainingLogRecord)) {
    if (r.event === 'step' && typeof r.step === 'number') steps.set(r.step, r);
    if (r.event === 'epoch' && typeof r.epoch === 'number') epochs.set(r.epoch, r);
  }
  const sorted = (m: Map<number, TrainingLogRecord>) =>
    [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  return { steps: sorted(steps), epochs: sorted(epochs) };
}

/**
 * Prepares the train program's `log.jsonl` for a run resumed at `at` (its checkpoint's epoch
 * and total steps): drops the `step` records past `at.step`, the `epoch` records of epochs not
 * finished at the checkpoint (`≥ at.epoch`) and `end` records, which the resumed run writes
 * again, and a last line cut short by a kill. Rewrites the file atomically.
 *
 * @returns How many records were dropped.
 */
export function truncateTrainingLog(path: string, at: { epoch: number; step: number }): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  const records = parseJsonl(text);
  const keep = records.filter(
    (r) =>
      !(
        (r.event === 'step' && Number(r.step ?? 0) > at.step) ||
        (r.event === 'epoch' && Number(r.epoch ?? 0) >= at.epoch) ||
        r.event === 'end'
      ),
  );
  // A line cut by a kill would swallow the next record appended to it: rewrite then too.
  const cut = !text.endsWith('\n');
  if (keep.length === records.length && !cut) return 0;
  writeFileAtomic(path, keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return records.length - keep.length;
}

/** A live progress bar in a terminal; a no-op when stderr is not a TTY (CI, pipes). */
export interface Progress {
  start(total: number, label: string): void;
  update(value: number, fields: Record<string, string | number>): void;
  stop(): void;
}

/**
 * @param quiet - No bar (default: when stderr is not a terminal).
 * @param format - cli-progress format; `{label}`, `{loss}`, `{acc}`, `{ips}` start as `-`, other
 *   fields come with `update` (default: the training bar's).
 */
export function progressBar(
  quiet = !process.stderr.isTTY,
  format = '{label} [{bar}] {value}/{total} | loss {loss} | acc {acc} | {ips} img/s',
): Progress {
  if (quiet) return { start() {}, update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total, label) => bar.start(total, 0, { label, loss: '-', acc: '-', ips: '-' }),
    update: (value, fields) => bar.update(value, fields),
    stop: () => bar.stop(),
  };
}

/** Prints one line to stdout. */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
