/** @patchfx/viz — see README.md. */
export {};
