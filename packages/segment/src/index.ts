/** @patchfx/segment — see README.md. */
export {};
