/**
 * The in-browser demo (`npm run browser-demo`): stage a seeded model, build the page with Vite,
 * serve it on 127.0.0.1 with the program's own server, drive Debian Chromium with
 * playwright-core: drop a face image, wait for the result, compare the page's score with
 * `detect()` in Node on the same file and backend (cpu), download the report and validate it
 * against `docs/report.schema.json`, and save a screenshot to `test-artifacts/browser/demo.png`.
 * Then: a full-image model picked with "Use another model" (no patch map), the backends the
 * page starts through `useBackend`, and `?runtime=onnx`: the staged ONNX export in
 * onnxruntime-web, against Node's tfjs scores, on wasm (this headless Chromium has no GPU) and
 * on WebGPU through Chromium's software adapter (SwiftShader, `--use-webgpu-adapter=swiftshader`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeImage, encodeJpeg, type RgbImage } from '@patchfx/data';
import { buildPatchDiscriminator } from '@patchfx/models';
import { loadDetectorFromPath, saveCheckpoint } from '@patchfx/models/node';
import { resizeImageBilinear, toRgba } from '@patchfx/viz';
import {
  CHROMIUM,
  FACES_DEV_DIR,
  hasSharedFaces,
  launchChromium,
  makeTempDir,
} from '@patchfx/test-utils';
import { ROOT } from './helpers.js';

const require = createRequire(import.meta.url);
const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
/** Side of the page's view canvas (`VIEW` in src/page/main.ts). */
const VIEW = 384;

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

/**
 * Opens a new page at `url` and waits until it is ready (or failed); `errors` collects every
 * console error, uncaught exception and failed request, `requests` every URL the page asked for.
 */
async function openPage(
  browser: Browser,
  url: string,
): Promise<{ page: Page; errors: string[]; requests: string[] }> {
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
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(url);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', {
    timeout: 60_000,
  });
  return { page, errors, requests };
}

/** Gives the page a file through its file input and waits for the result (or an error). */
async function pickImage(page: Page, path: string): Promise<void> {
  await page.evaluate(() => (document.body.dataset.state = 'ready'));
  await page.setInputFiles('#file', path);
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', {
    timeout: 60_000,
  });
}

/** Downloads the page's report and checks it against `docs/report.schema.json`. */
async function downloadReport(page: Page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const report = JSON.parse(readFileSync((await download.path())!, 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const validate = ajv.compile(
    JSON.parse(readFileSync(join(ROOT, 'docs/report.schema.json'), 'utf8')),
  );
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  return report;
}

describe('browser demo in headless Chromium', () => {
  const tmp = makeTempDir('patchfx-browser-');
  const publicDir = join(tmp.dir, 'public');
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let browser: Browser;
  let imagePath = '';

  beforeAll(async () => {
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
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    demo?.child.kill('SIGTERM');
    tmp.remove();
  });

  test('scores a dropped face as Node does, offers a valid report, logs no error', async () => {
    expect(demo.log()).toMatch(/model: xception_block2, seeded and UNTRAINED/);
    const { page, errors, requests } = await openPage(browser, `${demo.url}?backend=cpu`);
    expect(await page.textContent('#error')).toBe('');
    const status = await page.textContent('#status');
    expect(status).toMatch(
      /xception_block2.*input 128×128 px \(size from checkpoint\).*backend cpu/,
    );
    expect(await page.isVisible('#warning')).toBe(true); // the seeded model is flagged untrained

    await pickImage(page, imagePath);
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
    const report = await downloadReport(page);
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
    await pickImage(page, jpegPath);
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
    // The tfjs page never downloads onnxruntime-web, its WebAssembly or the ONNX code.
    expect(requests.filter((r) => /ort|onnx/i.test(r))).toEqual([]);
  });

  test('a full-image model picked with "Use another model" shows its score and says it has no patch heatmap', async () => {
    // resnet18, a full-image classifier, at loadSize 40 / fineSize 32 (its opt.yml goes along).
    const folder = join(tmp.dir, 'resnet18');
    const model = buildPatchDiscriminator('resnet18', { seed: 1 });
    try {
      await saveCheckpoint(folder, { model });
    } finally {
      model.dispose();
    }
    writeFileSync(
      join(folder, 'opt.yml'),
      'which_model_netD: resnet18\nloadSize: 40\nfineSize: 32\n',
    );

    const { page, errors } = await openPage(browser, `${demo.url}?backend=cpu`);
    await page.setInputFiles('#model-folder', folder);
    await page.waitForFunction(
      () =>
        /Model resnet18/.test(document.getElementById('status')!.textContent ?? '') ||
        document.body.dataset.state === 'error',
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.textContent('#error')).toBe('');
    expect(await page.textContent('#status')).toMatch(
      /Model resnet18 \(folder .*\) · input 32×32 px \(size from opt\.yml\) · runtime tfjs · backend cpu · full-image classifier: no patch heatmap/,
    );

    await pickImage(page, imagePath);
    expect(await page.textContent('#error')).toBe('');
    const node = await loadDetectorFromPath(folder);
    let modelInput: RgbImage | undefined;
    const expected = await node.detect(imagePath, {
      onModelInput: (image) => (modelInput = image),
    });
    node.dispose();
    expect(Number(await page.getAttribute('#score', 'data-score'))).toBe(expected.score);
    expect(await page.textContent('#label')).toBe(expected.label);
    expect(await page.isVisible('#map-note')).toBe(true);
    expect(await page.textContent('#map-note')).toMatch(
      /resnet18 is a full-image classifier: .*no patch heatmap/,
    );
    expect(await page.textContent('#caption')).toMatch(/centre 32×32\. No heatmap/);
    expect(await page.isVisible('#patches')).toBe(false);
    expect(await page.isVisible('#legend')).toBe(false);

    // The view shows exactly the 32-px image the model ran on (the detector's, not decoded
    // again by the page), scaled to the view.
    const shown = await page.evaluate(() => {
      const view = document.getElementById('view') as HTMLCanvasElement;
      const { data } = view.getContext('2d')!.getImageData(0, 0, view.width, view.height);
      return { width: view.width, height: view.height, data: Array.from(data) };
    });
    const big = resizeImageBilinear({ ...modelInput!, channels: 3 }, { width: VIEW, height: VIEW });
    expect([shown.width, shown.height]).toEqual([VIEW, VIEW]);
    expect(Buffer.from(shown.data).equals(Buffer.from(toRgba(big).data))).toBe(true);

    const report = await downloadReport(page);
    expect(report.model.name).toBe('resnet18');
    expect(report.patchMap).toBeNull();
    expect(report.patches).toEqual([]);
    expect(report.score).toBe(expected.score);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'full-image-model.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  test('starts wasm through useBackend and scores there; refuses an unknown backend', async () => {
    const { page, errors } = await openPage(browser, `${demo.url}?backend=wasm`);
    expect(await page.textContent('#error')).toBe('');
    expect(await page.textContent('#status')).toMatch(/backend wasm/);
    await pickImage(page, imagePath);
    expect(await page.textContent('#error')).toBe('');
    const node = await loadDetectorFromPath(join(publicDir, 'model'));
    const expected = await node.detect(imagePath); // cpu: the same within float rounding
    node.dispose();
    const score = Number(await page.getAttribute('#score', 'data-score'));
    expect(Math.abs(score - expected.score)).toBeLessThanOrEqual(1e-4);
    expect(errors).toEqual([]);

    const bad = await openPage(browser, `${demo.url}?backend=webgpu`);
    expect(await bad.page.textContent('#error')).toBe(
      "The page could not start: backend must be one of webgl | wasm | cpu, got 'webgpu'",
    );
  });

  test('?runtime=onnx scores the staged model.onnx in onnxruntime-web as Node does on tfjs', async () => {
    const { page, errors, requests } = await openPage(
      browser,
      `${demo.url}?runtime=onnx&backend=cpu&parts=0`,
    );
    expect(await page.textContent('#error')).toBe('');
    const isolated = await page.evaluate(() => crossOriginIsolated);
    expect(isolated).toBe(true); // the server's COOP/COEP headers: wasm threads
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const threads = Math.min(4, Math.ceil(cores / 2)); // onnxruntime-web's default
    // Headless Chromium here runs with --disable-gpu: no WebGPU adapter, so the page picks wasm.
    const webgpu = await page.evaluate(
      async () =>
        !!(await (
          navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }
        ).gpu?.requestAdapter()),
    );
    const ep = webgpu ? 'webgpu' : `wasm, ${threads} thread${threads === 1 ? '' : 's'}`;
    expect(await page.textContent('#status')).toContain(
      `Model xception_block2 (seeded, untrained) · input 128×128 px (size from checkpoint) · runtime onnx · onnxruntime-web 1.30.0 (${ep}), tfjs backend cpu`,
    );
    // The page loads the exported file and onnxruntime-web's wasm build, not the tfjs model.
    expect(requests).toContain('/model.onnx');
    expect(requests).not.toContain('/model/weights.bin');
    if (!webgpu) expect(requests).toContain('/ort/ort-wasm-simd-threaded.wasm');

    await pickImage(page, imagePath);
    expect(await page.textContent('#error')).toBe('');
    const timing = await page.textContent('#timing');
    expect(timing).toContain(`by onnxruntime-web 1.30.0 (${ep})`);
    if (!webgpu) expect(timing).toMatch(/No WebGPU \(.*\), so onnxruntime-web runs on wasm/);

    const node = await loadDetectorFromPath(join(publicDir, 'model')); // tfjs, cpu
    const expected = await node.detect(imagePath);
    node.dispose();
    const report = await downloadReport(page);
    expect(Math.abs(report.score - expected.score)).toBeLessThanOrEqual(1e-4);
    expect(Number(await page.getAttribute('#score', 'data-score'))).toBe(report.score);
    const map = report.patchMap.rows.flat() as number[];
    expect(map.length).toBe(expected.patchMap!.data.length);
    const worst = Math.max(...map.map((v, i) => Math.abs(v - expected.patchMap!.data[i])));
    expect(worst).toBeLessThanOrEqual(1e-4);
    console.info(
      `browser test: onnxruntime-web ran on ${ep} (WebGPU ${webgpu ? 'available' : 'not available in this headless Chromium'}); ${await page.getAttribute('#timing', 'data-ms')} ms for the image; |Δ| vs Node's tfjs: score ${Math.abs(report.score - expected.score).toExponential(1)}, patch map ${worst.toExponential(1)}`,
    );
    expect(report.model.weightsSha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(publicDir, 'model.onnx')))
        .digest('hex'),
    );
    expect(errors).toEqual([]);

    // The settings form switches back to tfjs (reloading the page with ?runtime=tfjs).
    await page.selectOption('#setting-runtime', 'tfjs');
    await Promise.all([page.waitForURL(/runtime=tfjs/), page.click('#settings button')]);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
    expect(await page.textContent('#status')).toMatch(/runtime tfjs · backend cpu/);

    // WebGPU asked for where the browser has none: a clear error, no silent fallback.
    if (!webgpu) {
      const bad = await openPage(browser, `${demo.url}?runtime=onnx&ep=webgpu&parts=0`);
      expect(await bad.page.textContent('#error')).toMatch(
        /^The page could not start: ep=webgpu: WebGPU is not available \(.*\); use ep=wasm/,
      );
    }
  });

  test('?ep=webgpu runs the WebGPU build on a real WebGPU adapter (SwiftShader, on the CPU) and scores as Node does', async (ctx) => {
    // Chromium's own WebGPU implementation on its software Vulkan (SwiftShader): real WebGPU,
    // shaders and all, with no GPU; its speed means nothing.
    const { chromium } = await import('playwright-core');
    const gpuBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
      ],
    });
    try {
      const { page, errors, requests } = await openPage(
        gpuBrowser,
        `${demo.url}?runtime=onnx&ep=webgpu&backend=cpu&parts=0`,
      );
      const adapter = await page.evaluate(async () => {
        interface Adapter {
          readonly info?: { readonly vendor?: string; readonly architecture?: string };
        }
        const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<Adapter> } }).gpu;
        const a = await gpu?.requestAdapter();
        return a ? `${a.info?.vendor ?? '?'} ${a.info?.architecture ?? ''}`.trim() : null;
      });
      if (!adapter) {
        console.info(
          'browser test: this Chromium gives no SwiftShader WebGPU adapter; WebGPU not tested',
        );
        ctx.skip();
      }
      expect(await page.textContent('#error')).toBe('');
      expect(await page.textContent('#status')).toContain(
        'runtime onnx · onnxruntime-web 1.30.0 (webgpu), tfjs backend cpu',
      );
      expect(requests).toContain('/ort/ort-wasm-simd-threaded.asyncify.wasm');
      expect(requests).not.toContain('/ort/ort-wasm-simd-threaded.wasm');
      await pickImage(page, imagePath);
      expect(await page.textContent('#error')).toBe('');
      expect(await page.textContent('#timing')).toContain('by onnxruntime-web 1.30.0 (webgpu)');
      const report = await downloadReport(page);
      const node = await loadDetectorFromPath(join(publicDir, 'model')); // tfjs, cpu
      const expected = await node.detect(imagePath);
      node.dispose();
      expect(Math.abs(report.score - expected.score)).toBeLessThanOrEqual(1e-4);
      const map = report.patchMap.rows.flat() as number[];
      const worst = Math.max(...map.map((v, i) => Math.abs(v - expected.patchMap!.data[i])));
      expect(worst).toBeLessThanOrEqual(1e-4);
      console.info(
        `browser test: onnxruntime-web ran on webgpu (adapter: ${adapter}, software); |Δ| vs Node's tfjs: score ${Math.abs(report.score - expected.score).toExponential(1)}, patch map ${worst.toExponential(1)}`,
      );
      expect(errors).toEqual([]);
    } finally {
      await gpuBrowser.close();
    }
  });
});
