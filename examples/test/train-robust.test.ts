import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { writeRunReport } from '@patchfx/example-common';
import { ROOT, TINY_TRAIN, runProgram, writeToyDataset } from './helpers.js';

describe('train program: bad files', () => {
  test('a truncated PNG and an empty file stop every run with exit 1, naming the file and --skip_bad_files', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'));
      const good = readFileSync(join(real, 'train', 'real_train_0.png'));
      writeFileSync(join(real, 'train', 'cut.png'), good.subarray(0, good.length >> 1));
      writeFileSync(join(real, 'train', 'empty.png'), new Uint8Array(0));
      // Several runs at once, different seeds (the bad files land in different batches).
      const runs = await Promise.all(
        [0, 1, 2, 3].map((seed) =>
          runProgram('train', [
            '--real_im_path',
            real,
            '--fake_im_path',
            fake,
            ...TINY_TRAIN,
            '--checkpoints_dir',
            join(dir, 'ck'),
            '--name',
            `bad${seed}`,
            '--seed',
            String(seed),
            '--max_steps',
            '6',
          ]),
        ),
      );
      for (const r of runs) {
        expect(r.code, r.stdout + r.stderr).toBe(1);
        expect(r.stderr).toMatch(/^error: cannot decode '.*(cut|empty)\.png': .*--skip_bad_files/m);
      }
      for (const seed of [0, 1, 2, 3])
        expect(existsSync(join(dir, 'ck', `bad${seed}`, 'lockfile.pid'))).toBe(false);
    } finally {
      remove();
    }
  });
});

describe('runMain', () => {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const run = (mode: string) =>
    spawnSync(
      process.execPath,
      [
        '--conditions=@patchfx/source',
        '--import',
        tsx,
        join(ROOT, 'examples/test/fixtures/stalled-main.ts'),
        mode,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
  test.each(['pending', 'exit0'])(
    'a main that can no longer finish (%s) ends with exit 1 and a message, not a silent 0',
    (mode) => {
      const r = run(mode);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^error: the program stopped before it finished/m);
    },
  );
});

interface LogRecord {
  event: string;
  step?: number;
  epoch?: number;
}

function readLog(run: string): LogRecord[] {
  return readFileSync(join(run, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LogRecord);
}

/** Steps of the log's step events, and epochs of its epoch events, in file order. */
function logSteps(run: string): { steps: number[]; epochs: number[] } {
  const log = readLog(run);
  return {
    steps: log.filter((r) => r.event === 'step').map((r) => r.step!),
    epochs: log.filter((r) => r.event === 'epoch').map((r) => r.epoch!),
  };
}

function expectStrictlyIncreasing(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) expect(xs[i], `${xs}`).toBeGreaterThan(xs[i - 1]);
}

describe('train program: interrupts', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s saves latest at the step reached, releases the lock, prints the resume command and exits %i; the resumed log holds each step once',
    async (signal, code) => {
      const { dir, remove } = makeTempDir();
      try {
        const { real, fake } = writeToyDataset(join(dir, 'data'), { perSplit: 8 });
        const ck = join(dir, 'ck');
        const run = join(ck, 'r');
        const first = await runProgram(
          'train',
          [
            '--real_im_path',
            real,
            '--fake_im_path',
            fake,
            ...TINY_TRAIN,
            '--checkpoints_dir',
            ck,
            '--name',
            'r',
            '--print_freq',
            '1',
            '--max_steps',
            '12',
          ],
          { killWhen: (out) => (out.match(/\(epoch: /g) ?? []).length >= 3, killSignal: signal },
        );
        expect(first.signal).toBe(null);
        expect(first.code, first.stdout + first.stderr).toBe(code);
        const reached = logSteps(run).steps;
        expect(reached.length).toBeGreaterThanOrEqual(3);
        expect(reached.length).toBeLessThan(12);
        const output = first.stdout + first.stderr;
        expect(output).toMatch(new RegExp(`${signal}: stopping after the current batch`));
        expect(output).toContain(
          `npm run train -- ${join(run, 'opt.yml')} --load_model --which_epoch latest`,
        );
        expect(existsSync(join(run, 'lockfile.pid'))).toBe(false);
        expect(existsSync(join(run, 'done.txt'))).toBe(false);
        const state = JSON.parse(readFileSync(join(run, 'latest', 'checkpoint.json'), 'utf8'))
          .state as { totalSteps: number; done?: boolean };
        expect(state.totalSteps).toBe(reached.at(-1));
        expect(state.done).toBeFalsy();
        expect(readLog(run).at(-1)).toMatchObject({ event: 'interrupted', step: state.totalSteps });

        const second = await runProgram('train', [
          join(run, 'opt.yml'),
          '--load_model',
          '--which_epoch',
          'latest',
        ]);
        expect(second.code, second.stdout + second.stderr).toBe(0);
        const after = logSteps(run);
        expect(after.steps).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
        expectStrictlyIncreasing(after.epochs);
        expect(existsSync(join(run, 'done.txt'))).toBe(true);
      } finally {
        remove();
      }
    },
  );

  test('Ctrl-C in a terminal running `npm run train` saves, releases the lock and exits 130', async () => {
    // A real pseudo-terminal (util-linux `script`): Ctrl-C is the byte 0x03 typed into it, and
    // the terminal sends SIGINT to npm, the shells and node at once, with the progress bar on.
    // (Programs started by the tsx CLI were SIGKILLed by its signal relay there, mid-step.)
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'), { perSplit: 16, size: 128 });
      const run = join(dir, 'ck', 'g');
      const command = [
        'npm run -s train --',
        `--real_im_path ${real} --fake_im_path ${fake}`,
        '--which_model_netD xception_block2 --loadSize 128 --fineSize 128 --batch_size 32',
        `--checkpoints_dir ${join(dir, 'ck')} --name g --print_freq 1 --max_steps 200`,
      ].join(' ');
      const child = spawn('script', ['-qefc', command, '/dev/null'], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      let sent = false;
      const onData = (d: Buffer) => {
        output += d.toString();
        if (!sent && (output.match(/\(epoch: /g) ?? []).length >= 2) {
          sent = true;
          // Mid-step: the next batch (about a second on 2 cores) is under way.
          setTimeout(() => child.stdin.write('\x03'), 300);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) =>
        child.on('close', (c, sig) => res([c, sig])),
      );
      expect(sent, output).toBe(true);
      expect(output).toMatch(/interrupted \(SIGINT\) at epoch \d+, batch \d+ .*; saved /);
      expect(output).toContain(
        `npm run train -- ${join(run, 'opt.yml')} --load_model --which_epoch latest`,
      );
      // `script -e` hands on npm's status: the program's 130, or npm's own death by SIGINT.
      expect([code, signal], output).toSatisfy(
        ([c, sig]: [number | null, string | null]) => c === 130 || sig === 'SIGINT',
      );
      expect(existsSync(join(run, 'lockfile.pid'))).toBe(false);
      const state = JSON.parse(readFileSync(join(run, 'latest', 'checkpoint.json'), 'utf8'))
        .state as { totalSteps: number };
      expect(state.totalSteps).toBe(logSteps(run).steps.at(-1));
      expect(readLog(run).at(-1)).toMatchObject({ event: 'interrupted', step: state.totalSteps });
    } finally {
      remove();
    }
  });

  test('resuming from a latest older than the log (SIGKILL) drops the log entries past it', async () => {
    const { dir, remove } = makeTempDir();
    try {
      const { real, fake } = writeToyDataset(join(dir, 'data'), { perSplit: 8 });
      const ck = join(dir, 'ck');
      const run = join(ck, 'k');
      const first = await runProgram(
        'train',
        [
          '--real_im_path',
          real,
          '--fake_im_path',
          fake,
          ...TINY_TRAIN,
          '--checkpoints_dir',
          ck,
          '--name',
          'k',
          '--print_freq',
          '1',
          '--save_latest_freq',
          '3',
          '--max_steps',
          '10',
        ],
        { killWhen: (out) => (out.match(/\(epoch: /g) ?? []).length >= 5 },
      );
      expect(first.signal).toBe('SIGKILL');
      const second = await runProgram('train', [join(run, 'opt.yml'), '--load_model']);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      const after = logSteps(run);
      expect(after.steps).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expectStrictlyIncreasing(after.epochs);
    } finally {
      remove();
    }
  });
});

describe('run report: training curves', () => {
  test('a log that re-ran steps after a resume draws each step once, in order', () => {
    const { dir, remove } = makeTempDir();
    try {
      const run = join(dir, 'checkpoints', 'r');
      mkdirSync(run, { recursive: true });
      mkdirSync(join(dir, 'results', 'r'), { recursive: true });
      const step = (s: number, loss: number) =>
        JSON.stringify({ event: 'step', step: s, epoch: 0, loss_D: loss, acc_D_raw: 0.5 });
      const epoch = (e: number, s: number) =>
        JSON.stringify({
          event: 'epoch',
          epoch: e,
          step: s,
          loss_D_val: 0.6,
          acc_D_raw_val: 0.7,
          acc_D_voted_val: 0.7,
          acc_D_avg_val: 0.7,
        });
      // Killed after step 5 with latest at 3 (log written before resumes dropped re-runs).
      const lines = [
        JSON.stringify({ event: 'start' }),
        ...[1, 2, 3, 4, 5].map((s) => step(s, 1 - s / 10)),
        epoch(0, 4),
        JSON.stringify({ event: 'resume', step: 3 }),
        ...[4, 5, 6, 7].map((s) => step(s, 0.5 - s / 20)),
        epoch(0, 4),
        epoch(1, 8),
      ];
      writeFileSync(join(run, 'log.jsonl'), `${lines.join('\n')}\n{"event":"st`);
      const report = writeRunReport({
        name: 'r',
        model: 'patch_discriminator',
        which_model_netD: 'xception_block2',
        fineSize: 128,
        results_dir: join(dir, 'results'),
        checkpoints_dir: join(dir, 'checkpoints'),
      });
      const html = readFileSync(report, 'utf8');
      const xs = (name: string) => {
        const m = html.match(
          new RegExp(`data-name="${name.replace(/[()]/g, '\\$&')}" d="([^"]+)"`),
        );
        expect(m, name).not.toBeNull();
        return [...m![1].matchAll(/[ML]\s*(-?[\d.]+)[ ,]/g)].map((p) => Number(p[1]));
      };
      const train = xs('loss_D (train)');
      expect(train).toHaveLength(7);
      expectStrictlyIncreasing(train);
      const val = xs('loss_D (val)');
      expect(val).toHaveLength(2);
      expectStrictlyIncreasing(val);
    } finally {
      remove();
    }
  });
});

describe('train program: errors before training', () => {
  const hasTfjsNode = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].some((m) => {
    try {
      createRequire(import.meta.url).resolve(m);
      return true;
    } catch {
      return false;
    }
  });
  test.skipIf(hasTfjsNode)(
    'a backend that cannot start stops with exit 1 and leaves no half-made run folder',
    async () => {
      const { dir, remove } = makeTempDir();
      try {
        const { real, fake } = writeToyDataset(join(dir, 'data'));
        const args = ['--real_im_path', real, '--fake_im_path', fake, ...TINY_TRAIN];
        const r = await runProgram('train', [
          ...args,
          '--backend',
          'tensorflow',
          '--checkpoints_dir',
          join(dir, 'ck'),
          '--name',
          'b',
        ]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^error: .*tfjs-node/m);
        expect(existsSync(join(dir, 'ck', 'b'))).toBe(false);
      } finally {
        remove();
      }
    },
  );
});
