export * from './options.js';
export * from './run.js';
export * from './log.js';
export * from './reference-options.js';
export * from './svg-png.js';
export * from './report.js';
export * from './predict.js';
export * from './smoke.js';
