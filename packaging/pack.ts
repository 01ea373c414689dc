/**
 * Builds (where stale) and packs the five published packages into tarballs an app can install
 * before they are on the registry. `npm run pack:tarballs [-- <folder>]` runs it (default
 * folder: `tarballs/` in the repository); the packaging tests' setup calls {@link packTarballs}
 * too, so the documented command is the tested one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLISHED, REPO_ROOT, type PackedPackage } from './shared.js';

/**
 * What an app installs beside the tarballs: the tfjs packages the published packages peer on
 * (one version for all of them) and a backend. The install docs list the same.
 */
export const APP_DEPENDENCIES = [
  '@tensorflow/tfjs-core@4.22.0',
  '@tensorflow/tfjs-layers@4.22.0',
  '@tensorflow/tfjs-backend-wasm@4.22.0',
] as const;

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

/** What {@link packTarballs} did. */
export interface PackResult {
  /** The packages whose `dist/` was rebuilt first. */
  readonly built: string[];
  readonly packages: PackedPackage[];
}

/**
 * Builds the stale packages, then `npm pack`s all five into `destination` (created if missing).
 *
 * @param destination - The folder the `.tgz` files go to.
 * @returns The rebuilt package names and the packed tarballs.
 */
export function packTarballs(destination: string): PackResult {
  const built = PUBLISHED.filter((p) => buildIfStale(p));
  mkdirSync(destination, { recursive: true });
  const out = execFileSync(
    'npm',
    [
      'pack',
      '--json',
      '--pack-destination',
      destination,
      ...PUBLISHED.flatMap((p) => ['-w', `@patchfx/${p}`]),
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const packed = JSON.parse(out) as Array<{
    name: string;
    filename: string;
    files: Array<{ path: string }>;
  }>;
  return {
    built,
    packages: packed.map((p) => ({
      name: p.name,
      tarball: join(destination, p.filename),
      files: p.files.map((f) => f.path).sort(),
    })),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(
      'usage: npm run pack:tarballs [-- <folder>]\n\n' +
        'Builds the five @patchfx packages where stale and packs them into <folder>\n' +
        "(default: tarballs/ in the repository), then prints the app's install command.",
    );
    process.exit(0);
  }
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) {
    console.error(`error: expected at most one folder, got ${args.join(' ')} (see --help)`);
    process.exit(1);
  }
  const destination = resolve(process.env.INIT_CWD ?? process.cwd(), args[0] ?? 'tarballs');
  try {
    const { built, packages } = packTarballs(destination);
    if (built.length > 0) console.log(`built ${built.map((b) => `@patchfx/${b}`).join(', ')}`);
    console.log(`packed ${packages.length} tarballs into ${destination}:`);
    for (const p of packages) console.log(`  ${p.tarball}`);
    console.log('\nIn your app:\n');
    console.log(
      `  npm install ${packages.map((p) => p.tarball).join(' ')} ${APP_DEPENDENCIES.join(' ')}`,
    );
  } catch (e) {
    console.error(`error: packing failed: ${(e as Error).message}`);
    process.exit(1);
  }
}
