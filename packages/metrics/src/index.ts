/** @patchfx/metrics — see README.md. */
export {};
