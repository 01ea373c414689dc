import { packageBuild } from '../../tsup.base.js';

// shims: import.meta.url (createRequire in src/node) in the CommonJS build too.
export default packageBuild({ index: 'src/index.ts', node: 'src/node/index.ts' }, { shims: true });
