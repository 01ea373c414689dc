/**
 * Global setup of the `packaging` project: builds any package whose `dist/` is older than its
 * sources, `npm pack`s the five published packages and installs the tarballs into one fresh
 * temporary project (no workspace links) that every packaging test shares.
 *
 * The install reaches the npm registry for the tfjs peers; npm's own cache (`--prefer-offline`)
 * makes repeated runs take seconds. Set `PATCHFX_KEEP_PACKAGING=1` to keep the folder.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { PUBLISHED, REPO_ROOT, type PackedPackage } from './shared.js';

/** Versions the consumer installs beside the tarballs. */
export const CONSUMER_DEPENDENCIES = [
  '@tensorflow/tfjs-core@4.22.0',
  '@tensorflow/tfjs-layers@4.22.0',
  '@tensorflow/tfjs-backend-cpu@4.22.0',
  '@tensorflow/tfjs-backend-wasm@4.22.0',
  'typescript@~5.9.3',
  '@types/node@^20.19.0',
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

function oldestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  const entries = readdirSync(path);
  if (entries.length === 0) return 0;
  return Math.min(...entries.map((e) => oldestMtime(join(path, e))));
}

/** Builds `packages/<name>` when `dist/` is missing or older than anything tsup reads. */
function buildIfStale(name: string): boolean {
  const dir = join(REPO_ROOT, 'packages', name);
  const inputs = ['src', 'package.json', 'tsup.config.ts', 'tsconfig.build.json'].map((f) =>
    newestMtime(join(dir, f)),
  );
  if (oldestMtime(join(dir, 'dist')) > Math.max(...inputs)) return false;
  execFileSync('npx', ['tsup', '--silent'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return true;
}

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
  const built = PUBLISHED.filter((p) => buildIfStale(p));
  const t1 = Date.now();

  workDir = mkdtempSync(join(tmpdir(), 'patchfx-packaging-'));
  const tarballs = join(workDir, 'tarballs');
  mkdirSync(tarballs);
  const packed = JSON.parse(
    npm(
      [
        'pack',
        '--json',
        '--pack-destination',
        tarballs,
        ...PUBLISHED.flatMap((p) => ['-w', `@patchfx/${p}`]),
      ],
      REPO_ROOT,
    ),
  ) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
  const packages: PackedPackage[] = packed.map((p) => ({
    name: p.name,
    tarball: join(tarballs, p.filename),
    files: p.files.map((f) => f.path).sort(),
  }));

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
    `packaging: ${built.length ? `rebuilt stale ${built.join(', ')} in ${((t1 - t0) / 1000).toFixed(1)} s, ` : ''}` +
      `packed and installed in ${((t2 - t1) / 1000).toFixed(1)} s (${workDir})`,
  );
  project.provide('packaging', { consumer, packages });
}

export function teardown(): void {
  if (workDir && !process.env.PATCHFX_KEEP_PACKAGING)
    rmSync(workDir, { recursive: true, force: true });
}
