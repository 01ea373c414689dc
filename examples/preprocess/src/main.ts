/**
 * preprocess: `npm run preprocess -- <in dir> <out dir> --size 128 [--resample lanczos|bilinear|nearest]
 * [--format png|jpeg --quality Q]` — the reference's export step (spec §8): every image under
 * `<in dir>` is decoded, centre-cropped to a square, resized and saved as
 * `<out dir>/<same relative folder>/<same base name>.<ext>`, so real photos end up in exactly the
 * format of a generator's samples. `--align` first detects the face and takes the FFHQ crop
 * (images without a face are listed and skipped). Bad files are listed and skipped; the exit code
 * is 1 if any were.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  centerCrop,
  encodeJpeg,
  resizeImage,
  RESAMPLE_FILTERS,
  type ResampleFilter,
} from '@patchfx/data';
import { discoverImages, initNodeCodecs, loadImageFile } from '@patchfx/data/node';
import { encodePng } from '@patchfx/viz/node';
import { alignFace, createFaceLandmarker } from '@patchfx/segment/node';
import {
  BACKEND_OPTION,
  parseOptions,
  runMain,
  say,
  setupBackend,
  SMOKE_OPTION,
  withSmoke,
} from '@patchfx/example-common';

async function main(argv: readonly string[]): Promise<number | void> {
  const { values, positionals } = parseOptions(
    {
      size: { type: 'number', default: 128, help: 'output side in pixels' },
      resample: {
        type: 'string',
        default: 'lanczos',
        choices: [...RESAMPLE_FILTERS],
        help: 'resampling filter (PIL-exact)',
      },
      format: { type: 'string', default: 'png', choices: ['png', 'jpeg'], help: 'output format' },
      quality: { type: 'number', default: 90, help: 'JPEG quality (with --format jpeg)' },
      align: {
        type: 'boolean',
        default: false,
        help: 'detect and align faces first (the FFHQ / CelebA-HQ crop, as npm run align)',
      },
      backend: BACKEND_OPTION,
      smoke: SMOKE_OPTION,
    },
    argv,
    'preprocess',
    '<in dir> <out dir> [--size 128] [--resample lanczos] [--format png|jpeg --quality Q] [--align]',
  );
  const [inDir, outDir] = positionals;
  if (!inDir || !outDir)
    throw new Error(
      'usage: npm run preprocess -- <in dir> <out dir> --size 128 [--resample lanczos] [--format png|jpeg --quality Q]',
    );
  const size = Number(values.size);
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`--size must be a positive integer, got ${values.size}`);
  const quality = Number(values.quality);
  await initNodeCodecs();
  // --align: detect the face and take the FFHQ / CelebA-HQ oriented crop (spec §8) first.
  let landmarker: Awaited<ReturnType<typeof createFaceLandmarker>> | null = null;
  if (values.align) {
    await setupBackend(String(values.backend));
    landmarker = await createFaceLandmarker();
  }
  const noFace: string[] = [];
  const root = resolve(inDir);
  const { files } = await discoverImages(root);
  const bad: string[] = [];
  let done = 0;
  for (const f of files) {
    try {
      let image = await loadImageFile(f);
      if (landmarker) {
        const aligned = await alignFace(image, { size: Math.max(size, 256), landmarker });
        if (aligned.status === 'no-face') {
          noFace.push(f);
          say(`no face in '${f}' (${aligned.reason}); skipped`);
          continue;
        }
        image = aligned.image;
      }
      const side = Math.min(image.width, image.height);
      const square =
        side === image.width && side === image.height ? image : centerCrop(image, side);
      const out =
        side === size ? square : resizeImage(square, size, size, values.resample as ResampleFilter);
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
  landmarker?.dispose();
  if (noFace.length)
    say(
      `${noFace.length} image(s) without a face skipped:\n${noFace.map((b) => `  ${b}`).join('\n')}`,
    );
  say(
    `${done} image(s) written to ${resolve(outDir)} (${size}×${size} ${values.format}, ${values.resample})`,
  );
  if (bad.length) {
    say(`${bad.length} bad file(s) skipped:\n${bad.map((b) => `  ${b}`).join('\n')}`);
    return 1;
  }
}

runMain(
  withSmoke('preprocess', main, {
    needs: 'data',
    args: (ws) => [ws.real, join(ws.root, 'preprocessed'), '--size', '16'],
  }),
);
