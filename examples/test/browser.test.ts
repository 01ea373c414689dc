/**
 * The in-browser demo (`npm run browser-demo`): stage a seeded model, build the page with Vite,
 * serve it on 127.0.0.1 with the program's own server, drive Debian Chromium with
 * playwright-core: drop a face image, wait for the result, compare the page's score with
 * `detect()` in Node on the same file and backend (cpu), download the report and validate it
 * against `docs/report.schema.json`, and save a screenshot to `test-artifacts/browser/demo.png`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { chromium, type Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeImage, encodeJpeg } from '@patchfx/data';
import { loadDetectorFromPath } from '@patchfx/models/node';
import { FACES_DEV_DIR, hasSharedFaces, makeTempDir } from '@patchfx/test-utils';
import { ROOT } from './helpers.js';

const require = createRequire(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');

/** A 128×128 face-like PNG (when ../shared/faces-dev is not there). */
function writeTestPng(path: string): void {
  const png = new PNG({ width: 128, height: 128 });
  for (let y = 0; y < 128; y++) {
    for (let x = 0; x < 128; x++) {
      const i = 4 * (y * 128 + x);
      const r = Math.hypot(x - 64, y - 60) / 64;
      const face = r < 0.7;
      png.data[i] = face ? 220 - 40 * r : 60 + ((x * 3) & 31);
      png.data[i + 1] = face ? 180 - 50 * r : 50;
      png.data[i + 2] = face ? 150 - 60 * r : 90 + ((y * 5) & 63);
      png.data[i + 3] = 255;
    }
  }
  writeFileSync(path, PNG.sync.write(png));
}

/** Starts `npm run browser-demo` (as its main.ts) and resolves the URL it prints. */
function startDemo(
  args: string[],
): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@patchfx/source',
      '--import',
      require.resolve('tsx'),
      join(ROOT, 'examples/browser/src/main.ts'),
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, INIT_CWD: ROOT }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 90 s:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], log: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser-demo exited with ${code} before serving:\n${out}`));
    });
  });
}

describe('browser demo in headless Chromium', () => {
  const tmp = makeTempDir('patchfx-browser-');
  const publicDir = join(tmp.dir, 'public');
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let browser: Browser;
  let imagePath = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)`,
      );
    }
    if (hasSharedFaces) {
      const dir = join(FACES_DEV_DIR, 'fake', 'test');
      imagePath = join(dir, readdirSync(dir).sort()[0]);
    } else {
      imagePath = join(tmp.dir, 'face.png');
      writeTestPng(imagePath);
    }
    demo = await startDemo([
      '--seeded',
      '--port',
      '0',
      '--public',
      publicDir,
      '--out',
      join(tmp.dir, 'dist'),
    ]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    demo?.child.kill('SIGTERM');
    tmp.remove();
  });

  test('scores a dropped face as Node does, offers a valid report, logs no error', async () => {
    expect(demo.log()).toMatch(/model: xception_block2, seeded and UNTRAINED/);
    const page = await browser.newPage({
      acceptDownloads: true,
      viewport: { width: 1000, height: 900 },
    });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));

    await page.goto(`${demo.url}?backend=cpu`);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', {
      timeout: 60_000,
    });
    expect(await page.textContent('#error')).toBe('');
    const status = await page.textContent('#status');
    expect(status).toMatch(/xception_block2.*input 128×128 px \(size from opt\.yml\).*backend cpu/);
    expect(await page.isVisible('#warning')).toBe(true); // the seeded model is flagged untrained

    await page.setInputFiles('#file', imagePath);
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', {
      timeout: 60_000,
    });
    expect(await page.textContent('#error')).toBe('');
    const pageScore = Number(await page.getAttribute('#score', 'data-score'));

    // The same file in Node, on the same backend (cpu), through the same staged model folder.
    const detector = await loadDetectorFromPath(join(publicDir, 'model'));
    const node = await detector.detect(imagePath);
    detector.dispose();
    expect(Math.abs(pageScore - node.score)).toBeLessThanOrEqual(1e-4);
    expect(pageScore).toBe(node.score); // same pixels, same kernels: bit-identical in practice

    // Five boxed patches in the table, the label shown.
    expect(await page.locator('#patches tbody tr').count()).toBe(5);
    expect(await page.textContent('#label')).toBe(node.label);

    // The report downloads and validates.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const report = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const validate = ajv.compile(
      JSON.parse(readFileSync(join(ROOT, 'docs/report.schema.json'), 'utf8')),
    );
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.score).toBe(pageScore);
    expect(report.image.name).toBe(imagePath.split('/').pop());
    expect(report.model.weightsSha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(publicDir, 'model', 'weights.bin')))
        .digest('hex'),
    );
    expect(report.patchMap.rows.flat()).toEqual(Array.from(node.patchMap!.data));

    // A JPEG of the same face scores as its decoded pixels do in Node (the page's JPEG codec).
    const jpegPath = join(tmp.dir, 'face.jpg');
    writeFileSync(jpegPath, await encodeJpeg(await decodeImage(readFileSync(imagePath)), 85));
    const nodeJpeg = await loadDetectorFromPath(join(publicDir, 'model'));
    const jpegScore = (await nodeJpeg.detect(jpegPath)).score;
    nodeJpeg.dispose();
    await page.evaluate(() => (document.body.dataset.state = 'ready'));
    await page.setInputFiles('#file', jpegPath);
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', {
      timeout: 60_000,
    });
    expect(await page.textContent('#error')).toBe('');
    expect(Number(await page.getAttribute('#score', 'data-score'))).toBe(jpegScore);

    // A synthetic drop event gives the same score as the file input.
    const bytes = [...readFileSync(imagePath)];
    await page.evaluate(async (data) => {
      document.body.dataset.state = 'ready';
      const file = new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' });
      const dt = new DataTransfer();
      dt.items.add(file);
      document
        .getElementById('drop')!
        .dispatchEvent(
          new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }),
        );
    }, bytes);
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    expect(Number(await page.getAttribute('#score', 'data-score'))).toBe(pageScore);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
