import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The read-only `../shared` folder beside the repository (present on dev machines and in CI). */
export const SHARED_DIR = resolve(here, '../../../../shared');
/** The real-vs-GAN face set in `../shared/faces-dev`. */
export const FACES_DEV_DIR = join(SHARED_DIR, 'faces-dev');
/** Whether `../shared/faces-dev` exists here. */
export const hasSharedFaces = existsSync(join(FACES_DEV_DIR, 'real'));
