import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** How a child Node process ended and what it wrote. */
export interface NodeRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs ESM `code` in a new Node process on the sources (`--conditions=@patchfx/source`, with
 * tsx), as a fresh program starts: nothing of the test process (backends, loaded modules)
 * carries over. Colours are off.
 *
 * @param code - The module's text (`node --input-type=module -e code`).
 * @param cwd - Where it runs; its imports resolve from there.
 * @returns Its exit code and output, once it has ended.
 */
export function runNodeModule(code: string, cwd: string): Promise<NodeRun> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@patchfx/source',
      '--import',
      require.resolve('tsx'),
      '--input-type=module',
      '-e',
      code,
    ],
    { cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** A child process of this one, as Linux's `/proc` lists it. */
export interface ChildProcessInfo {
  readonly pid: number;
  /** The command name (`ffmpeg`). */
  readonly comm: string;
  /** `R` running, `S` sleeping, `Z` zombie (exited, not reaped), … */
  readonly state: string;
}

/**
 * The child processes of this process, zombies included, read from `/proc` (Linux only): to
 * check that a function ends the programs it starts.
 */
export function childProcesses(): ChildProcessInfo[] {
  const out: ChildProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid …; comm may hold spaces and parentheses
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppid] = stat
      .slice(close + 2)
      .split(' ')
      .slice(0, 2);
    if (Number(ppid) === process.pid) out.push({ pid: Number(name), comm, state });
  }
  return out;
}
