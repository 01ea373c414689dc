import type {} from 'vitest';
/**
 * Test helpers shared by every patchfx package: leak checks, tensor comparison, backend
 * selection, temporary folders, the headless browser and fresh Node processes. Private; never published.
 */
export { withNoLeaks } from './no-leaks.js';
export { expectTensorClose, expectArrayClose, relativeError } from './tensor-close.js';
export { makeTempDir } from './temp-dir.js';
export { SHARED_DIR, FACES_DEV_DIR, hasSharedFaces } from './shared.js';
export { CHROMIUM, launchChromium } from './chromium.js';
export {
  runNodeModule,
  childProcesses,
  type NodeRun,
  type ChildProcessInfo,
} from './node-process.js';

/** A tfjs backend name used by the test matrix. */
export type TestBackend = 'cpu' | 'wasm' | 'tensorflow';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The backend this vitest project runs on (set by `vitest.workspace.ts`). */
    backend: TestBackend;
  }
}
