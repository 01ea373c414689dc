/**
 * Global setup of the `packaging` project: packs the five published packages as
 * `npm run pack:tarballs` does (`pack.ts`: rebuilds any stale `dist/` first) and installs the
 * tarballs into one fresh temporary project (no workspace links) that every packaging test
 * shares.
 *
 * The install reaches the npm registry for the tfjs peers; npm's own cache (`--prefer-offline`)
 * makes repeated runs take seconds. Set `PATCHFX_KEEP_PACKAGING=1` to keep the folder.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { APP_DEPENDENCIES, packTarballs } from './pack.js';
import { REPO_ROOT } from './shared.js';

/** Versions the consumer installs beside the tarballs. */
export const CONSUMER_DEPENDENCIES = [
  ...APP_DEPENDENCIES, // what the install docs tell an app to add
  '@tensorflow/tfjs-backend-cpu@4.22.0',
  'typescript@~5.9.3',
  '@types/node@^20.19.0',
];

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let workDir: string | undefined;

export function setup(project: TestProject): void {
  try {
    prepare(project);
  } catch (e) {
    teardown();
    throw e;
  }
}

function prepare(project: TestProject): void {
  const t0 = Date.now();
  workDir = mkdtempSync(join(tmpdir(), 'patchfx-packaging-'));
  const { built, packages } = packTarballs(join(workDir, 'tarballs'));
  const t1 = Date.now();

  const consumer = join(workDir, 'consumer');
  cpSync(join(REPO_ROOT, 'packaging', 'consumer'), consumer, { recursive: true });
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'patchfx-consumer', private: true, type: 'module' }, null, 2),
  );
  npm(
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--no-package-lock',
      ...packages.map((p) => p.tarball),
      ...CONSUMER_DEPENDENCIES,
    ],
    consumer,
  );

  const t2 = Date.now();
  console.log(
    `packaging: ${built.length ? `rebuilt stale ${built.join(', ')}, ` : ''}` +
      `packed in ${((t1 - t0) / 1000).toFixed(1)} s, installed in ${((t2 - t1) / 1000).toFixed(1)} s (${workDir})`,
  );
  project.provide('packaging', { consumer, packages });
}

export function teardown(): void {
  if (workDir && !process.env.PATCHFX_KEEP_PACKAGING)
    rmSync(workDir, { recursive: true, force: true });
}
