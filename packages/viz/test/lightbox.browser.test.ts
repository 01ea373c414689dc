/**
 * Real-browser checks of the HTML pages (Chromium through playwright-core, no mocks): the
 * lightbox and the run report are opened from file:// URLs, exercised, and screenshotted to
 * `test-artifacts/viz/` for a human look. Runs in the cpu project only.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  combinePartCounts,
  resizeImageBilinear,
  heatmapAvgImage,
  imageGrid,
  overlayBlur,
  patchOverlay,
  probabilityLabel,
  renderReport,
  type PixelImage,
} from '@patchfx/viz';
import { readPng, writeLightbox, writePng } from '@patchfx/viz/node';
import { FACES_DEV_DIR, hasSharedFaces, launchChromium, makeTempDir } from '@patchfx/test-utils';
import { loadFixture } from './helpers/fixtures.js';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/viz/', import.meta.url));
const EVIL = '<img src=x onerror=alert(1)>.png';

interface OverlayFixture {
  mapHeight: number;
  mapWidth: number;
  height: number;
  width: number;
  heatmap: number[];
  image: number[];
  maps: number[][];
}
const ov = loadFixture<OverlayFixture>('overlay.json');
const heat = { data: Float32Array.from(ov.heatmap), height: ov.mapHeight, width: ov.mapWidth };

/** A 128×128 face from the shared dev set when present, else the fixture image upscaled. */
function face(kind: 'real' | 'fake'): PixelImage {
  if (hasSharedFaces) {
    const dir = join(FACES_DEV_DIR, kind, 'test');
    const name = readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()[0];
    if (name) return readPng(join(dir, name), { channels: 3 });
  }
  const small: PixelImage = {
    data: Uint8Array.from(ov.image),
    width: ov.width,
    height: ov.height,
    channels: 3,
  };
  return resizeImageBilinear(small, { height: 128, width: 128 });
}
const baseImage = face('fake');
const realImage = face('real');

/** Pictures worth looking at: overlays, a blurred overlay, the average heatmap, a grid. */
function pictures(): Record<string, PixelImage> {
  const flipped = { ...heat, data: heat.data.map((v) => 1 - v) };
  return {
    '001_patch_1.png': patchOverlay(baseImage, heat, {
      correct: true,
      label: probabilityLabel(0.87),
    }),
    '002_patch_1.png': patchOverlay(realImage, flipped, {
      correct: false,
      label: probabilityLabel(0.31),
    }),
    '003_orig.png': realImage,
    'heatmap_avg.png': heatmapAvgImage(
      ov.maps.map((m) => ({
        data: Float32Array.from(m),
        height: ov.mapHeight,
        width: ov.mapWidth,
      })),
      { height: 128, width: 128 },
    ),
    'blur above.png': overlayBlur(baseImage, heat, { sigma: 1 }).image,
    [EVIL]: overlayBlur(baseImage, heat, { sigma: 1, direction: 'below' }).image,
    'grid #1.png': imageGrid([baseImage, realImage, baseImage], { padding: 2 }),
  };
}

interface Watch {
  errors: string[];
  dialogs: string[];
  requests: string[];
}

function watch(page: Page): Watch {
  const w: Watch = { errors: [], dialogs: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(m.text());
  });
  page.on('pageerror', (e) => w.errors.push(String(e)));
  page.on('dialog', (d) => {
    w.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => w.requests.push(r.url()));
  return w;
}

describe.skipIf(inject('backend') !== 'cpu')('HTML pages in Chromium', () => {
  let browser: Browser;
  const tmp = makeTempDir('patchfx-viz-browser-');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    tmp.remove();
  });

  test('lightbox: thumbnails, enlarge, keys, filter, hostile file name', async () => {
    const dir = join(tmp.dir, 'vis', 'fakes', 'easiest');
    const pics = pictures();
    for (const [name, img] of Object.entries(pics)) writePng(join(dir, name), img);
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const pagePath = writeLightbox(dir, { title: 'vis/fakes/easiest', thumbSize: 150 });
    const names = Object.keys(pics).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    const w = watch(page);
    await page.goto(pathToFileURL(pagePath).href);
    await page.waitForLoadState('load');

    const thumbs = page.locator('.thumb');
    await expect.poll(() => thumbs.count()).toBe(names.length);
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('.thumb img')).every(
        (i) => i.complete && i.naturalWidth > 0,
      ),
    );
    expect(await page.locator('.thumb figcaption').allTextContents()).toEqual(names);
    await page.screenshot({ path: join(ARTIFACTS, 'lightbox.png') });

    // The hostile name is text: its caption reads literally and no <img src="x"> exists.
    const evilCaption = page.locator('.thumb figcaption', { hasText: 'onerror' });
    expect(await evilCaption.textContent()).toBe(EVIL);
    expect(await page.locator('img[src="x"]').count()).toBe(0);

    // Click to enlarge.
    await page.locator('.thumb a').first().click();
    const viewer = page.locator('#viewer');
    await expect.poll(() => viewer.isVisible()).toBe(true);
    const caption = page.locator('#caption');
    expect(await caption.textContent()).toBe(`${names[0]}  (1 / ${names.length})`);
    await page.waitForFunction(
      () => (document.getElementById('big') as HTMLImageElement).naturalWidth > 0,
    );
    expect(await page.locator('#big').evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(128);

    // Arrow keys step (and wrap), Escape closes.
    await page.keyboard.press('ArrowRight');
    expect(await caption.textContent()).toBe(`${names[1]}  (2 / ${names.length})`);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await caption.textContent()).toBe(
      `${names[names.length - 1]}  (${names.length} / ${names.length})`,
    );
    const evilIndex = names.indexOf(EVIL);
    for (let i = 0; i <= evilIndex; i++) await page.keyboard.press('ArrowRight');
    expect(await caption.textContent()).toBe(`${EVIL}  (${evilIndex + 1} / ${names.length})`);
    await page.waitForFunction(
      () => (document.getElementById('big') as HTMLImageElement).naturalWidth > 0,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'lightbox-viewer.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => viewer.isVisible()).toBe(false);

    // Filter: a regular expression, case-insensitive; an invalid one falls back to plain text.
    await page.fill('#filter', '^0\\d\\d_PATCH');
    await expect.poll(() => page.locator('.thumb:visible').count()).toBe(2);
    expect(await page.locator('#count').textContent()).toBe(`2 of ${names.length} images`);
    await page.locator('.thumb:visible a').nth(1).click();
    await page.keyboard.press('ArrowRight');
    expect(await caption.textContent()).toBe(`001_patch_1.png  (1 / 2)`);
    await page.keyboard.press('Escape');
    await page.fill('#filter', '<img');
    await expect.poll(() => page.locator('.thumb:visible').count()).toBe(1);
    await page.fill('#filter', '(');
    expect(await page.locator('#filter').evaluate((e) => e.classList.contains('invalid'))).toBe(
      true,
    );
    // '(' is not a valid pattern, so it is matched as text: only the name with '(1)' has one.
    await expect.poll(() => page.locator('.thumb:visible').count()).toBe(1);
    await page.fill('#filter', '');
    await expect.poll(() => page.locator('.thumb:visible').count()).toBe(names.length);

    expect(w.dialogs).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(w.requests.every((u) => u.startsWith('file://'))).toBe(true);
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned),
    ).toBeUndefined();
    await page.close();
  });

  test('report: tables, inline SVG charts, histogram, gallery', async () => {
    const dir = join(tmp.dir, 'report');
    const pics = pictures();
    const gallery = ['001_patch_1.png', '002_patch_1.png', 'heatmap_avg.png', EVIL];
    for (const name of gallery) writePng(join(dir, 'vis', name), pics[name]);
    const steps = Array.from({ length: 40 }, (_, i) => i * 250);
    const html = renderReport(
      [
        {
          kind: 'metrics',
          title: 'AP ×100 (avg_after_softmax, test)',
          columns: ['model', 'celebahq-pgan', 'celebahq-sgan', 'celebahq-glow', 'ffhq-pgan'],
          rows: [
            ['xception_block2', 100, 94.512, 72.1, 98.03],
            ['xception_block3', 99.91, 97.3, 68.44, null],
          ],
          caption: 'n = 2000 per dataset',
        },
        {
          kind: 'pr-curves',
          title: 'Precision-recall (celebahq-pgan)',
          curves: [
            {
              name: 'vote',
              recall: [1, 0.9, 0.7, 0.4, 0],
              precision: [0.5, 0.8, 0.92, 0.99, 1],
              ap: 0.91,
            },
            {
              name: 'avg after softmax',
              recall: [1, 0.95, 0.8, 0.5, 0],
              precision: [0.5, 0.88, 0.96, 1, 1],
              ap: 0.96,
            },
            { name: EVIL, recall: [1, 0.5, 0], precision: [0.5, 0.6, 1] },
          ],
        },
        {
          kind: 'training-curves',
          title: 'Training',
          charts: [
            {
              series: [
                {
                  name: 'loss_D',
                  x: steps,
                  y: steps.map((s) => 0.69 * Math.exp(-s / 3000) + 0.05),
                },
              ],
              options: { xLabel: 'step', yLabel: 'loss' },
            },
            {
              series: [
                {
                  name: 'acc_D_raw',
                  x: steps,
                  y: steps.map((s) => 0.95 - 0.45 * Math.exp(-s / 2000)),
                },
                {
                  name: 'acc_D_raw_val',
                  x: steps.filter((_, i) => i % 8 === 0),
                  y: steps
                    .filter((_, i) => i % 8 === 0)
                    .map((s) => 0.9 - 0.4 * Math.exp(-s / 2500)),
                  dashed: true,
                  markers: true,
                },
              ],
              options: {
                xLabel: 'step',
                yLabel: 'accuracy',
                yDomain: [0.4, 1],
                legend: 'bottom-right',
              },
            },
          ],
        },
        {
          kind: 'degradation',
          title: 'Robustness to JPEG',
          series: [
            {
              name: 'block2',
              x: [100, 95, 90, 80, 70, 60],
              y: [0.99, 0.97, 0.93, 0.86, 0.8, 0.74],
            },
            {
              name: 'block3',
              x: [100, 95, 90, 80, 70, 60],
              y: [0.99, 0.98, 0.96, 0.91, 0.87, 0.82],
              dashed: true,
            },
          ],
          options: { xLabel: 'JPEG quality', yDomain: [0.5, 1] },
        },
        {
          kind: 'part-histogram',
          title: 'Most predictive patch by face part',
          counts: combinePartCounts(
            [
              { mouth: 410, eye: 380, hair: 300, skin: 200, background: 90, nose: 60 },
              { brows: 120, ear: 40, neck: 30, clothes: 20 },
            ],
            [
              { skin: 700, hair: 330, background: 200, mouth: 80, eye: 60 },
              { nose: 90, neck: 80, clothes: 60, brows: 30, ear: 20 },
            ],
          ),
        },
        {
          kind: 'gallery',
          title: 'Easiest fakes',
          images: gallery.map((g) => `vis/${g}`),
          link: { path: 'vis/+lightbox.html', caption: 'all images' },
        },
        {
          kind: 'text',
          title: 'Notes',
          paragraphs: ['Scores are P(real); AP treats real as the positive class.', EVIL],
        },
      ],
      { title: 'gp1-gan-winversion_xception_block2', subtitle: 'partition test · epoch bestval' },
    );
    const path = join(dir, 'report.html');
    writeFileSync(path, html);

    const page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
    const w = watch(page);
    await page.goto(pathToFileURL(path).href);
    await page.waitForLoadState('load');

    expect(await page.locator('section').count()).toBe(7);
    expect(await page.locator('table tbody tr').count()).toBe(2);
    const svgs = page.locator('svg');
    expect(await svgs.count()).toBe(5);
    for (let i = 0; i < 5; i++) {
      const box = await svgs.nth(i).boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(await svgs.nth(i).evaluate((s) => s.namespaceURI)).toBe('http://www.w3.org/2000/svg');
    }
    // 3 PR lines + 1 + 2 training lines + 2 degradation lines, each a real path with length.
    const lengths = await page
      .locator('path.series')
      .evaluateAll((ps) => ps.map((p) => (p as SVGPathElement).getTotalLength()));
    expect(lengths).toHaveLength(8);
    for (const l of lengths) expect(l).toBeGreaterThan(50);
    expect(await page.locator('rect.bar').count()).toBe(2 * 10);
    expect(await page.locator('.gallery img').count()).toBe(4);
    await page.locator('.gallery').scrollIntoViewIfNeeded(); // thumbnails load lazily
    await page.waitForFunction(() =>
      Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0),
    );
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await page.locator('.gallery figcaption', { hasText: 'onerror' }).textContent()).toBe(
      EVIL,
    );
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });

    expect(w.dialogs).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(w.requests.every((u) => u.startsWith('file://'))).toBe(true);
    await page.close();
  });
});
