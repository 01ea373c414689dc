/** @patchfx/data — see README.md. */
export {};
