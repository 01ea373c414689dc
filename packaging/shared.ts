/**
 * What the packaging setup hands to the packaging tests, and helpers they share.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The published packages, by folder name under `packages/`. */
export const PUBLISHED = ['models', 'data', 'metrics', 'viz', 'segment'] as const;

/** One packed package. */
export interface PackedPackage {
  /** Its npm name, e.g. `@patchfx/models`. */
  readonly name: string;
  /** Absolute path of its tarball. */
  readonly tarball: string;
  /** The paths in the tarball (relative to `package/`), sorted. */
  readonly files: string[];
}

/** What `setup.ts` provides to the tests. */
export interface PackagingContext {
  /** The consumer project the tarballs are installed in (a copy of `packaging/consumer/`). */
  readonly consumer: string;
  readonly packages: PackedPackage[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by `packaging/setup.ts`. */
    packaging: PackagingContext;
  }
}

/** Runs a command; resolves with its output, rejects with stdout and stderr in the message. */
export function run(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) {
        rej(new Error(`${cmd} ${args.join(' ')} failed (${error.message})\n${stdout}\n${stderr}`));
      } else {
        res({ stdout, stderr });
      }
    });
  });
}
