/**
 * The run folder `checkpoints/<name>/`: the job lock, `opt.yml`/`opt.txt`, `done.txt`, and the
 * rules that keep a run from being overwritten or silently skipped.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toYaml, type Options, type OptionSpecs } from '@patchfx/example-common';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `lockfile.pid` in `dir` (a stale lock of a dead process is taken over).
 * @returns A function that releases it (it is also released when the process exits).
 * @throws When a live process holds it.
 */
export function takeLock(dir: string): () => void {
  const path = join(dir, 'lockfile.pid');
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (pid && pid !== process.pid && pidAlive(pid)) {
      throw new Error(
        `run folder '${dir}' is in use by process ${pid} (${path}); wait for it or stop it`,
      );
    }
  }
  writeFileSync(path, `${process.pid}\n`);
  // Released however the process ends short of a kill: normally, on an error, or at once on
  // a second Ctrl-C (process.exit).
  const release = () => {
    process.off('exit', release);
    rmSync(path, { force: true });
  };
  process.on('exit', release);
  return release;
}

/** The reference's `opt.txt`: every option, with `[default: …]` where it differs. */
export function optText(values: Options, specs: OptionSpecs): string {
  const lines = ['----------------- Options ---------------'];
  for (const [k, v] of Object.entries(values)) {
    const d = specs[k]?.default;
    const comment =
      d !== undefined && JSON.stringify(d) !== JSON.stringify(v) ? `\t[default: ${String(d)}]` : '';
    lines.push(`${k.padStart(25)}: ${String(v).padEnd(30)}${comment}`);
  }
  lines.push('----------------- End -------------------');
  return `${lines.join('\n')}\n`;
}

/**
 * Prepares `dir` for a run: refuses to overwrite an existing run unless asked, refuses a
 * finished run on resume, writes `opt.yml` and `opt.txt`.
 *
 * @returns `'finished'` when resuming a run that already wrote `done.txt`.
 */
export function prepareRunFolder(
  dir: string,
  values: Options,
  specs: OptionSpecs,
): 'ready' | 'finished' {
  const exists = existsSync(join(dir, 'opt.yml'));
  if (exists && !values.load_model && !values.overwrite_config) {
    throw new Error(
      `run folder '${dir}' already exists. To resume it: npm run train -- ${join(dir, 'opt.yml')} --load_model --which_epoch latest; ` +
        `to start over in it: add --overwrite_config; or choose another --name`,
    );
  }
  if (values.load_model) {
    if (!exists)
      throw new Error(
        `--load_model: no run at '${dir}' (no opt.yml); check --checkpoints_dir and --name`,
      );
    if (existsSync(join(dir, 'done.txt')) && !values.overwrite_config) return 'finished';
  } else if (values.overwrite_config) {
    for (const f of ['done.txt', 'log.jsonl', 'bestval_ep.txt'])
      rmSync(join(dir, f), { force: true });
  }
  mkdirSync(dir, { recursive: true });
  const saved = { ...values, load_model: false, overwrite_config: false };
  writeFileSync(join(dir, 'opt.yml'), toYaml(saved));
  writeFileSync(join(dir, 'opt.txt'), optText(values, specs));
  return 'ready';
}
