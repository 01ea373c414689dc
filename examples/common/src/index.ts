export * from './options.js';
export * from './run.js';
export * from './log.js';
export * from './reference-options.js';
