/** PyTorch checkpoint reading (browser-safe parts). Filled in by the torch-checkpoint work. */
export {};
