// ESM consumer of the installed tarballs: `node run.mjs cpu|wasm` prints one JSON line.
/* global process */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { runChecks, print } = require('./checks.cjs');

const results = await runChecks((name) => import(name), process.argv[2]);

// Every entry (each subpath in the installed package.json `exports`) must export the same names to
// ESM and to CommonJS.
const entries = [];
for (const p of ['models', 'data', 'metrics', 'viz', 'segment']) {
  const { exports } = require(`@patchfx/${p}/package.json`);
  for (const key of Object.keys(exports)) {
    if (key !== './package.json') entries.push(`${p}${key.slice(1)}`);
  }
}
const parity = {};
for (const e of entries) {
  try {
    const esm = Object.keys(await import(`@patchfx/${e}`)).filter((k) => k !== 'default');
    const cjs = Object.keys(require(`@patchfx/${e}`)).filter((k) => k !== '__esModule');
    parity[e] = {
      names: esm.length,
      onlyEsm: esm.filter((k) => !cjs.includes(k)),
      onlyCjs: cjs.filter((k) => !esm.includes(k)),
    };
  } catch (err) {
    parity[e] = { error: String(err) };
  }
}
results.parity = { value: parity };
print('esm', results);
