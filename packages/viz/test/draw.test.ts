import { describe, expect, test } from 'vitest';
import { drawBorder, drawRect, drawText, imageGrid, measureText, YELLOW } from '@patchfx/viz';

const blank = (width: number, height: number, channels: 1 | 3 | 4 = 3, fill = 0) => ({
  data: new Uint8Array(width * height * channels).fill(fill),
  width,
  height,
  channels,
});

describe('imageGrid', () => {
  const tile = (v: number) => ({
    data: new Uint8Array(2 * 2 * 3).fill(v),
    width: 2,
    height: 2,
    channels: 3 as const,
  });

  test('ceil(√n) columns, no padding, unused cells white (the reference patch grid)', () => {
    const grid = imageGrid([1, 2, 3, 4, 5].map(tile));
    expect([grid.width, grid.height, grid.channels]).toEqual([6, 4, 3]);
    const at = (x: number, y: number) => grid.data[(y * 6 + x) * 3];
    expect([at(0, 0), at(2, 0), at(4, 0), at(0, 2), at(2, 2), at(4, 2), at(5, 3)]).toEqual([
      1, 2, 3, 4, 5, 255, 255,
    ]);
  });

  test('explicit columns, padding and background', () => {
    const grid = imageGrid([1, 2, 3].map(tile), { columns: 3, padding: 1, background: [9, 8, 7] });
    expect([grid.width, grid.height]).toEqual([3 * 2 + 4, 2 + 2]);
    expect(Array.from(grid.data.subarray(0, 3))).toEqual([9, 8, 7]);
    expect(grid.data[(1 * 10 + 1) * 3]).toBe(1);
    expect(grid.data[(1 * 10 + 4) * 3]).toBe(2);
    expect(grid.data[(1 * 10 + 3) * 3]).toBe(9);
  });

  test('RGBA backgrounds are opaque; gray grids use the first channel', () => {
    const g = imageGrid([blank(1, 1, 4), blank(1, 1, 4)], { columns: 1, padding: 1 });
    expect(Array.from(g.data.subarray(0, 4))).toEqual([255, 255, 255, 255]);
    const gray = imageGrid([blank(1, 1, 1), blank(1, 1, 1)]);
    expect(Array.from(gray.data)).toEqual([0, 0]);
  });

  test('rejects empty input and mismatched tiles', () => {
    expect(() => imageGrid([])).toThrow('imageGrid needs at least one image');
    expect(() => imageGrid([blank(2, 2), blank(3, 2)])).toThrow(
      'images[1] is 3×2×3, but images[0] is 2×2×3',
    );
    expect(() => imageGrid([blank(2, 2)], { columns: 0 })).toThrow(
      'columns must be a positive integer, got 0',
    );
  });
});

describe('drawRect and drawBorder', () => {
  test('thickness is drawn inside the box, yellow by default, input untouched', () => {
    const img = blank(8, 8);
    const out = drawRect(img, { top: 1, left: 1, bottom: 7, right: 7 }, { thickness: 2 });
    const on = (x: number, y: number) =>
      Array.from(out.data.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
    expect(on(1, 1)).toEqual([...YELLOW]);
    expect(on(2, 4)).toEqual([...YELLOW]);
    expect(on(5, 4)).toEqual([...YELLOW]);
    expect(on(3, 3)).toEqual([0, 0, 0]);
    expect(on(0, 0)).toEqual([0, 0, 0]);
    expect(on(7, 7)).toEqual([0, 0, 0]);
    expect(img.data.every((v) => v === 0)).toBe(true);
  });

  test('boxes partly outside the image are clipped', () => {
    const out = drawRect(
      blank(4, 4, 1),
      { top: -2, left: 2, bottom: 2, right: 9 },
      { color: [50, 0, 0] },
    );
    expect(Array.from(out.data)).toEqual([0, 0, 50, 0, 0, 0, 50, 50, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('drawBorder paints the outer 2 px', () => {
    const out = drawBorder(blank(6, 5), { color: [0, 255, 0] });
    let green = 0;
    for (let i = 0; i < 30; i++) if (out.data[i * 3 + 1] === 255) green++;
    expect(green).toBe(30 - 2 * 1);
  });
});

describe('drawText', () => {
  test('measureText: 6 px advance, 5 px glyphs, 7 up and 2 down', () => {
    expect(measureText('')).toEqual({ width: 0, ascent: 7, descent: 2 });
    expect(measureText('ab', 2)).toEqual({ width: 22, ascent: 14, descent: 4 });
  });

  test('draws the glyph bitmap at the baseline, clipped, in the requested colour', () => {
    const out = drawText(blank(12, 12, 1), 'I', { x: 1, y: 9, color: [200, 0, 0] });
    const rows = Array.from({ length: 12 }, (_, y) =>
      Array.from(out.data.subarray(y * 12, y * 12 + 7), (v) => (v === 200 ? '#' : '.')).join(''),
    );
    expect(rows.slice(3, 12)).toEqual([
      '..###..',
      '...#...',
      '...#...',
      '...#...',
      '...#...',
      '...#...',
      '..###..',
      '.......',
      '.......',
    ]);
    expect(rows[2]).toBe('.......');
  });

  test('descenders go below the baseline; unknown characters show as a box; ink off-image is dropped', () => {
    const g = drawText(blank(6, 12, 1), 'g', { x: 0, y: 8, color: [255, 255, 255] });
    expect(g.data[10 * 6 + 1]).toBe(255); // bottom stroke of the descender, 2 rows under the baseline
    expect(g.data[11 * 6 + 1]).toBe(0);
    const box = drawText(blank(6, 10, 1), '€', { x: 0, y: 8, color: [255, 255, 255] });
    expect(Array.from(box.data.subarray(2 * 6, 2 * 6 + 5))).toEqual([255, 255, 255, 255, 255]);
    expect(() => drawText(blank(3, 3, 1), 'p(real)=0.87', { x: -4, y: 2 })).not.toThrow();
  });

  test('scale magnifies each ink pixel', () => {
    const out = drawText(blank(20, 20, 1), '.', { x: 0, y: 14, scale: 2, color: [1, 0, 0] });
    let ink = 0;
    for (const v of out.data) if (v === 1) ink++;
    expect(ink).toBe(4 * 4);
  });
});
