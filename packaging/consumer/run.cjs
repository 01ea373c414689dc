// CommonJS consumer of the installed tarballs: `node run.cjs cpu|wasm` prints one JSON line.
/* global require, process, console */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS consumer is the point */
const { runChecks, print } = require('./checks.cjs');

runChecks(async (name) => require(name), process.argv[2]).then(
  (results) => print('cjs', results),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
