/**
 * test-runs: evaluates the `bestval` checkpoint of a run on every dataset of a group
 * (the reference's test_runs.py). Groups are YAML (`groups.yml` beside this program by default).
 *
 *   npm run test-runs -- checkpoints/<name> gen_models test --dataroot dataset/faces
 *   npm run test-runs -- checkpoints/<name> mine val --groups my-groups.yml
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  BACKEND_OPTION,
  parseOptions,
  resolveTestOptions,
  runEvaluation,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  suggest,
  withSmoke,
  writeRunReport,
  TEST_OPTIONS,
} from '@patchfx/example-common';

interface GroupEntry {
  readonly name: string;
  readonly real: string;
  readonly fake: string;
}

const DEFAULT_GROUPS = join(dirname(fileURLToPath(import.meta.url)), '..', 'groups.yml');

/** Reads and validates a groups file. */
export function readGroups(path: string): Record<string, GroupEntry[]> {
  if (!existsSync(path)) throw new Error(`groups file '${path}' does not exist`);
  const doc = parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (!doc || typeof doc !== 'object')
    throw new Error(`groups file '${path}' must map group names to lists of {name, real, fake}`);
  const out: Record<string, GroupEntry[]> = {};
  for (const [g, list] of Object.entries(doc)) {
    if (!Array.isArray(list))
      throw new Error(`group '${g}' in '${path}' must be a list of {name, real, fake}`);
    out[g] = list.map((e, i) => {
      const entry = e as Partial<GroupEntry>;
      for (const k of ['name', 'real', 'fake'] as const) {
        if (typeof entry[k] !== 'string' || !entry[k])
          throw new Error(`group '${g}' entry ${i + 1} in '${path}' needs '${k}'`);
      }
      const extra = Object.keys(entry).filter((k) => !['name', 'real', 'fake'].includes(k));
      if (extra.length)
        throw new Error(
          `group '${g}' entry ${i + 1} in '${path}': unknown key '${extra[0]}' (keys: name, real, fake)`,
        );
      return entry as GroupEntry;
    });
  }
  return out;
}

async function main(argv: readonly string[]): Promise<number | void> {
  const { values, positionals } = parseOptions(
    {
      groups: { type: 'string', default: DEFAULT_GROUPS, help: 'YAML file of dataset groups' },
      dataroot: {
        type: 'string',
        default: 'dataset/faces',
        help: 'root the group paths are relative to',
      },
      results_dir: { type: 'string', default: './results/', help: 'where results are written' },
      force_redo: { type: 'boolean', default: false, help: 'recompute up-to-date results' },
      runtime: TEST_OPTIONS.runtime,
      backend: BACKEND_OPTION,
      smoke: SMOKE_OPTION,
    },
    argv,
    'test-runs',
    '<checkpoint_dir> <group> <partition> [--groups file.yml] [--dataroot dir]',
  );
  const [checkpointDir, group, partition] = positionals;
  if (!checkpointDir || !group || !partition)
    throw new Error(
      'usage: npm run test-runs -- <checkpoint_dir> <group> <partition> [--groups file.yml] [--dataroot dir]',
    );
  const config = join(checkpointDir, 'opt.yml');
  if (!existsSync(join(checkpointDir, 'bestval', 'checkpoint.json'))) {
    throw new Error(
      `no bestval checkpoint in '${checkpointDir}' (expected ${join(checkpointDir, 'bestval')}); train first`,
    );
  }
  const groups = readGroups(String(values.groups));
  const entries = groups[group];
  if (!entries) {
    const s = suggest(group, Object.keys(groups));
    throw new Error(
      `unknown group '${group}' in '${values.groups}'${s ? `; did you mean '${s}'?` : ''} (groups: ${Object.keys(groups).join(', ')})`,
    );
  }
  await setupBackend(String(values.backend));
  let lastOpt = null;
  for (const e of entries) {
    const real = resolve(String(values.dataroot), e.real, partition);
    const fake = resolve(String(values.dataroot), e.fake, partition);
    const argv = [
      '--train_config',
      config,
      '--which_epoch',
      'bestval',
      '--partition',
      partition,
      '--dataset_name',
      e.name,
      '--real_im_path',
      real,
      '--fake_im_path',
      fake,
      '--results_dir',
      String(values.results_dir),
      '--runtime',
      String(values.runtime),
    ];
    if (values.force_redo) argv.push('--force_redo');
    const { options: opt, model } = resolveTestOptions(argv, {}, 'test-runs');
    lastOpt = opt;
    const r = await runEvaluation(opt, model);
    const m = r.metrics.metrics_avg_after_softmax ?? r.metrics.metrics;
    say(
      `${e.name.padEnd(28)} ${r.skipped ? '(up to date) ' : ''}AP ${m ? (100 * m.ap).toFixed(2) : '-'}  acc ${m ? (100 * m.acc).toFixed(2) : '-'}  n ${m?.n ?? '-'}`,
    );
  }
  if (lastOpt) say(`report: ${writeRunReport(lastOpt)}`);
}

runMain(
  withSmoke('test-runs', main, {
    needs: 'run',
    // One group of one dataset: the synthetic set's test split.
    args: (ws) => {
      const groups = join(ws.root, 'groups.yml');
      writeFileSync(groups, 'smoke:\n  - name: synthetic\n    real: real\n    fake: fake\n');
      return [
        ws.run!.dir,
        'smoke',
        'test',
        '--groups',
        groups,
        '--dataroot',
        ws.data,
        '--results_dir',
        ws.resultsDir,
      ];
    },
  }),
);
