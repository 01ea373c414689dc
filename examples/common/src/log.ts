import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';

/** Appends JSON lines (one object per line) to a file; creates the folder. */
export function jsonlWriter(path: string): (record: Record<string, unknown>) => void {
  mkdirSync(dirname(path), { recursive: true });
  return (record) =>
    appendFileSync(path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}

/** A live progress bar in a terminal; a no-op when stderr is not a TTY (CI, pipes). */
export interface Progress {
  start(total: number, label: string): void;
  update(value: number, fields: Record<string, string | number>): void;
  stop(): void;
}

export function progressBar(quiet = !process.stderr.isTTY): Progress {
  if (quiet) return { start() {}, update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: '{label} [{bar}] {value}/{total} | loss {loss} | acc {acc} | {ips} img/s',
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
