/** PyTorch checkpoint loading from files (Node). Filled in by the torch-checkpoint work. */
export {};
