/**
 * align: CelebA-HQ / FFHQ face alignment of a folder (data preparation, spec §8).
 *
 *   npm run align -- <in dir> <out dir> [--size 128] [--min_face_score 0.5] [--backend wasm]
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { discoverImages, initNodeCodecs, loadImageFile } from '@patchfx/data/node';
import { alignFace } from '@patchfx/segment/node';
import { writePng } from '@patchfx/viz/node';
import {
  BACKEND_OPTION,
  FACE_OPTIONS,
  landmarkerFromOptions,
  parseOptions,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  withSmoke,
  type OptionSpecs,
} from '@patchfx/example-common';

const OPTIONS: OptionSpecs = {
  size: { type: 'number', default: 128, help: 'side of the aligned square crops, in pixels' },
  ...FACE_OPTIONS,
  quiet: { type: 'boolean', default: false, help: 'no progress lines' },
  backend: BACKEND_OPTION,
  smoke: SMOKE_OPTION,
};

const USAGE = '<in dir> <out dir> [--size 128] [--min_face_score 0.5]';

async function main(argv: readonly string[]): Promise<number | void> {
  const { values, positionals } = parseOptions(OPTIONS, argv, 'align', USAGE);
  if (positionals.length !== 2) {
    throw new Error(
      `align: give an input and an output folder (got ${positionals.length} arguments); usage: npm run align -- ${USAGE}`,
    );
  }
  const size = Number(values.size);
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`--size must be a positive integer, got ${values.size}`);
  const inDir = resolve(positionals[0]);
  const outDir = resolve(positionals[1]);
  if (outDir === inDir || outDir.startsWith(inDir + sep)) {
    throw new Error(`the output folder '${outDir}' must not be inside the input folder '${inDir}'`);
  }
  const { files } = await discoverImages(inDir);
  await setupBackend(String(values.backend));
  await initNodeCodecs();
  const landmarker = await landmarkerFromOptions(values);
  const skipped: { file: string; reason: string }[] = [];
  const failed: { file: string; reason: string }[] = [];
  const written = new Set<string>();
  let aligned = 0;
  const t0 = performance.now();
  try {
    for (const [k, file] of files.entries()) {
      const rel = relative(inDir, file);
      let image;
      try {
        image = await loadImageFile(file);
      } catch (e) {
        failed.push({ file: rel, reason: (e as Error).message });
        continue;
      }
      const result = await alignFace(image, { size, landmarker });
      if (result.status === 'no-face') {
        skipped.push({ file: rel, reason: result.reason });
        continue;
      }
      let out = join(outDir, rel.slice(0, rel.length - extname(rel).length) + '.png');
      if (written.has(out)) out = join(outDir, `${rel}.png`); // a.jpg beside a.png
      mkdirSync(dirname(out), { recursive: true });
      writePng(out, { ...result.image, channels: 3 });
      written.add(out);
      aligned++;
      if (!values.quiet && process.stderr.isTTY) process.stderr.write(`\r${k + 1}/${files.length}`);
    }
  } finally {
    landmarker.dispose();
    if (!values.quiet && process.stderr.isTTY) process.stderr.write('\n');
  }
  const seconds = (performance.now() - t0) / 1000;
  const skippedList = join(outDir, 'skipped.txt');
  if (skipped.length) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(skippedList, skipped.map((s) => `${s.file}\t${s.reason}\n`).join(''));
  } else if (existsSync(skippedList)) rmSync(skippedList);
  say(
    `aligned ${aligned} of ${files.length} images to ${size}×${size} in ${seconds.toFixed(1)} s (${(seconds / Math.max(1, files.length)).toFixed(2)} s/image) → ${outDir}`,
  );
  if (skipped.length) {
    say(`skipped ${skipped.length} image(s) with no face (listed in ${skippedList}):`);
    for (const s of skipped) say(`  ${s.file}`);
  }
  if (failed.length) {
    say(`could not read ${failed.length} image(s):`);
    for (const f of failed) say(`  ${f.file}: ${f.reason}`);
    return 1;
  }
  return 0;
}

runMain(
  withSmoke('align', main, {
    needs: 'data',
    // The synthetic portraits are not photos: the detector may find no face, and then they are
    // listed as skipped (exit code 0) — the smoke run checks the models load and run.
    args: (ws) => [join(ws.real, 'val'), join(ws.root, 'aligned'), '--size', '64'],
  }),
);
