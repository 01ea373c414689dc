/**
 * Runs the PyTorch trainer (`examples/fidelity/torch_train.py`) and serves it the train
 * program's batches, one epoch at a time (the line protocol is described in the script).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PairedSource } from '@patchfx/models/node';
import { writeEpoch } from './batches.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The trainer script. */
export const TORCH_TRAINER = join(HERE, '..', 'torch_train.py');

/**
 * Checks that `python` runs and imports torch and numpy.
 * @throws With the install command when it does not.
 */
export function checkTorchPython(python: string): string {
  const r = spawnSync(python, ['-c', 'import numpy, torch; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    const why = r.error
      ? r.error.message
      : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    throw new Error(
      `'${python}' cannot run PyTorch (${why}): install Debian's PyTorch with 'apt-get install python3-torch python3-numpy', ` +
        'or pass --python with a Python that has torch and numpy',
    );
  }
  return r.stdout.trim();
}

/** The job line of the trainer. */
export interface TorchJob {
  readonly which_model_netD: string;
  readonly seed: number;
  readonly init_type: string;
  readonly lr: number;
  readonly beta1: number;
  readonly lr_policy: string;
  readonly patience: number;
  readonly max_epochs: number | null;
  readonly fake_class_id: 0 | 1;
  /** Folder of the `.pth` checkpoints. */
  readonly out: string;
  readonly threads: number;
  /** Report each batch's sha256 (the plan round-trip check). */
  readonly hashes: boolean;
  /** Start from these weights (safetensors, PyTorch names and layouts) instead of a fresh draw. */
  readonly init_from?: string | null;
}

/** One epoch record of either side (the train program's log.jsonl `epoch` event fields). */
export interface EpochRecord {
  readonly epoch: number;
  readonly loss_D?: number;
  readonly loss_D_val: number;
  readonly acc_D_raw_val: number;
  readonly acc_D_voted_val: number;
  readonly acc_D_avg_val: number;
  readonly seconds?: number;
  /** PyTorch side: the training loss of each step of the epoch. */
  readonly step_loss_D?: number[];
  readonly batch_sha256?: string[];
}

export interface TorchResult {
  readonly epochs: EpochRecord[];
  readonly end: { reason: string; epoch: number; step: number; torch: string };
  /** Per epoch served: the sha256 of each train batch patchfx's source gave. */
  readonly served: string[][];
  readonly seconds: number;
}

/**
 * Trains with PyTorch on the batches of `source` (epoch files under `scratch`, each removed by
 * the trainer once read).
 * @throws When the trainer fails, with the end of its stderr.
 */
export async function runTorchTrainer(
  python: string,
  job: TorchJob,
  source: PairedSource,
  scratch: string,
  onEpoch: (r: EpochRecord) => void = () => {},
): Promise<TorchResult> {
  const started = performance.now();
  const child = spawn(python, [TORCH_TRAINER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const send = (o: unknown) => child.stdin.write(`${JSON.stringify(o)}\n`);
  send(job);
  const epochs: EpochRecord[] = [];
  const served: string[][] = [];
  let end: TorchResult['end'] | undefined;
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const msg = JSON.parse(line) as { event: string } & Record<string, unknown>;
      if (msg.event === 'need') {
        const split = msg.split as 'train' | 'val';
        const epoch = Number(msg.epoch);
        const file = join(scratch, `${split}-${epoch}.u8`);
        const f = await writeEpoch(source, split, epoch, file);
        if (split === 'train') served.push(f.sha256);
        send({ file: f.file, batches: f.batches });
      } else if (msg.event === 'epoch') {
        const { event: _e, ...rec } = msg;
        epochs.push(rec as unknown as EpochRecord);
        onEpoch(rec as unknown as EpochRecord);
      } else if (msg.event === 'end') {
        end = msg as unknown as TorchResult['end'];
      }
    }
  } finally {
    child.stdin.end();
  }
  const code = await exited;
  if (code !== 0 || !end)
    throw new Error(
      `the PyTorch trainer (${TORCH_TRAINER}) failed (exit ${code}): ${stderr.trim().slice(-1500)}`,
    );
  return { epochs, end, served, seconds: (performance.now() - started) / 1000 };
}
