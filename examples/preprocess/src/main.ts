/**
 * preprocess: `npm run preprocess -- <in dir> <out dir> --size 128 [--resample lanczos|bilinear|nearest]
 * [--format png|jpeg --quality Q]` — the reference's export step (spec §8): every image under
 * `<in dir>` is decoded, centre-cropped to a square, resized and saved as
 * `<out dir>/<same relative folder>/<same base name>.<ext>`, so real photos end up in exactly the
 * format of a generator's samples. Bad files are listed and skipped; the exit code is 1 if any were.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { centerCrop, encodeJpeg, resizeImage, RESAMPLE_FILTERS, type ResampleFilter } from '@patchfx/data';
import { discoverImages, initNodeCodecs, loadImageFile } from '@patchfx/data/node';
import { encodePng } from '@patchfx/viz/node';
import { parseOptions, runMain, say } from '@patchfx/example-common';

runMain(async () => {
  const { values, positionals } = parseOptions(
    {
      size: { type: 'number', default: 128, help: 'output side in pixels' },
      resample: { type: 'string', default: 'lanczos', choices: [...RESAMPLE_FILTERS], help: 'resampling filter (PIL-exact)' },
      format: { type: 'string', default: 'png', choices: ['png', 'jpeg'], help: 'output format' },
      quality: { type: 'number', default: 90, help: 'JPEG quality (with --format jpeg)' },
      align: { type: 'boolean', default: false, help: 'align faces first (FFHQ recipe; see npm run align)' },
    },
    process.argv.slice(2),
    'preprocess',
  );
  const [inDir, outDir] = positionals;
  if (!inDir || !outDir) throw new Error('usage: npm run preprocess -- <in dir> <out dir> --size 128 [--resample lanczos] [--format png|jpeg --quality Q]');
  if (values.align) throw new Error('--align: use `npm run align -- <in dir> <out dir> --size N` (face detection + the FFHQ crop), then preprocess its output');
  const size = Number(values.size);
  if (!Number.isInteger(size) || size < 1) throw new Error(`--size must be a positive integer, got ${values.size}`);
  const quality = Number(values.quality);
  await initNodeCodecs();
  const root = resolve(inDir);
  const { files } = await discoverImages(root);
  const bad: string[] = [];
  let done = 0;
  for (const f of files) {
    try {
      const image = await loadImageFile(f);
      const side = Math.min(image.width, image.height);
      const square = side === image.width && side === image.height ? image : centerCrop(image, side);
      const out = side === size ? square : resizeImage(square, size, size, values.resample as ResampleFilter);
      const ext = values.format === 'png' ? 'png' : 'jpg';
      const target = join(resolve(outDir), relative(root, f)).replace(/\.[^./\\]+$/, `.${ext}`);
      mkdirSync(dirname(target), { recursive: true });
      const bytes =
        values.format === 'png'
          ? encodePng({ data: out.data, width: out.width, height: out.height, channels: 3 })
          : await encodeJpeg(out, quality);
      writeFileSync(target, bytes);
      done++;
    } catch (e) {
      bad.push(f);
      say(`skipped '${f}': ${(e as Error).message}`);
    }
  }
  say(`${done} image(s) written to ${resolve(outDir)} (${size}×${size} ${values.format}, ${values.resample})`);
  if (bad.length) {
    say(`${bad.length} bad file(s) skipped:\n${bad.map((b) => `  ${b}`).join('\n')}`);
    return 1;
  }
});
