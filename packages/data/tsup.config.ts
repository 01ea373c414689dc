import { packageBuild } from '../../tsup.base.js';

// loader-worker is its own file: the loader starts it with `new Worker(new URL(...))`.
export default packageBuild(
  {
    index: 'src/index.ts',
    tfrecord: 'src/tfrecord/index.ts',
    node: 'src/node/index.ts',
    'loader-worker': 'src/node/loader-worker.ts',
  },
  { shims: true },
);
