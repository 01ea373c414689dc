import { packageBuild } from '../../tsup.base.js';

// data-parallel-worker is its own file: the trainer starts it with `new Worker(new URL(...))`.
// shims: import.meta.url in the CommonJS build (where the worker script is found).
export default packageBuild(
  {
    index: 'src/index.ts',
    node: 'src/node/index.ts',
    backend: 'src/backend/index.ts',
    train: 'src/train/index.ts',
    torch: 'src/torch/index.ts',
    onnx: 'src/onnx/index.ts',
    detector: 'src/detector/index.ts',
    evaluate: 'src/evaluate/index.ts',
    'data-parallel-worker': 'src/node/data-parallel/worker.ts',
  },
  { shims: true },
);
