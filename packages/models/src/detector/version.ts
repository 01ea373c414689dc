/**
 * The patchfx release this code belongs to, written into every detector report. The packages
 * are released in lockstep (one changesets `fixed` group), so one version names them all; a
 * test checks it against `package.json`.
 *
 * @example
 * ```ts doctest
 * import { PATCHFX_VERSION } from '@patchfx/models/detector';
 * /^\d+\.\d+\.\d+/.test(PATCHFX_VERSION); // => true
 * ```
 */
export const PATCHFX_VERSION = '0.1.0';
