import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import {
  decodePng,
  encodePng,
  groundTruthPaths,
  isGroundTruthFile,
  uniformStream,
} from '@patchfx/data';
import { makeTempDir } from '@patchfx/test-utils';
import { FACE_PARTS, facePartIds, type FacePart } from '../src/parts.js';
import {
  applyGeneratorTrace,
  createGeneratorStage,
  nyquistEnergy,
  renderScene,
  resolveSyntheticConfig,
  runGeneratorStage,
  synthesizeSample,
  traceCoverage,
} from '../src/index.js';
import {
  readGroundTruth,
  SYNTHETIC_PACKAGE_VERSION,
  synthesizeDataset,
} from '../src/synthetic/node.js';

const temp = makeTempDir('patchfx-synthetic-');
afterAll(() => temp.remove());

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  visit(dir);
  return out.sort();
}

function hashTree(dir: string): Record<string, string> {
  return Object.fromEntries(
    listFiles(dir).map((f) => [
      f,
      createHash('sha256')
        .update(readFileSync(join(dir, f)))
        .digest('hex'),
    ]),
  );
}

/** Decodes with `@patchfx/data`'s Pillow-exact decoder to RGB or gray values. */
function readPng(path: string, channels: 1 | 3): { size: number; data: Uint8Array } {
  const png = decodePng(readFileSync(path), path);
  const data = new Uint8Array(png.width * png.height * channels);
  for (let p = 0; p < png.width * png.height; p++) {
    for (let c = 0; c < channels; c++) data[p * channels + c] = png.data[3 * p + c];
  }
  return { size: png.width, data };
}

describe('synthesizeDataset writes the reference layout with ground truth', () => {
  const root = join(temp.dir, 'set');
  const options = { root, count: 10, size: 64, seed: 3 } as const;
  let written: Awaited<ReturnType<typeof synthesizeDataset>>;

  test('folders, counts and file names', async () => {
    written = await synthesizeDataset(options);
    const files = listFiles(root);
    const expected: string[] = ['README.md', 'legend.json'];
    const ranges = { train: [0, 6], val: [6, 8], test: [8, 10] } as const;
    for (const kind of ['real', 'fake'] as const) {
      for (const [split, [lo, hi]] of Object.entries(ranges)) {
        for (let i = lo; i < hi; i++) {
          const name = `${kind}-${String(i).padStart(5, '0')}`;
          expected.push(`${kind}/${split}/${name}.png`);
          expected.push(`${kind}/${split}/.truth/${name}.labels.png`);
          if (kind === 'fake') expected.push(`${kind}/${split}/.truth/${name}.trace.png`);
        }
      }
    }
    expect(files).toEqual(expected.sort());
    // Images are exactly the files a loader keeps after dropping ground truth.
    const images = files.filter((f) => f.endsWith('.png') && !isGroundTruthFile(f));
    expect(images).toHaveLength(20);
    expect(images.every((f) => !f.includes('.truth'))).toBe(true);
    expect(written.legend.files).toEqual({
      real: { train: 6, val: 2, test: 2 },
      fake: { train: 6, val: 2, test: 2 },
    });
  });

  test('legend.json and README.md describe the set', () => {
    const legend = JSON.parse(readFileSync(join(root, 'legend.json'), 'utf8'));
    expect(legend.format).toBe('patchfx-synthetic-benchmark');
    expect(legend.labels).toEqual(Object.fromEntries(FACE_PARTS.map((p, i) => [`${i}`, p])));
    expect(legend.tracedParts).toEqual(['background', 'hair']);
    expect(legend.config).toEqual(resolveSyntheticConfig({ size: 64, seed: 3 }));
    expect(legend.packageVersion).toBe(SYNTHETIC_PACKAGE_VERSION);
    expect(legend.generator.phaseGains).toHaveLength(3);
    expect(legend).toEqual(JSON.parse(JSON.stringify(written.legend)));
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('background and hair');
    expect(readme).toContain('.truth/');
  });

  test('images decode (decodePng) to exactly the in-memory samples, ground truth reads back', async () => {
    for (const rel of listFiles(root).filter((f) => f.endsWith('.png') && !isGroundTruthFile(f))) {
      const path = join(root, rel);
      const kind = rel.startsWith('real') ? 'real' : 'fake';
      const index = Number(/(\d+)\.png$/.exec(rel)![1]);
      const sample = synthesizeSample(kind, index, { size: 64, seed: 3 });
      const image = readPng(path, 3);
      expect(image.size).toBe(64);
      expect(Buffer.from(image.data).equals(Buffer.from(sample.rgb))).toBe(true);
      const truth = await readGroundTruth(path);
      expect(truth.kind).toBe(kind);
      expect(truth.size).toBe(64);
      expect(Buffer.from(truth.labels).equals(Buffer.from(sample.labels))).toBe(true);
      expect(Buffer.from(readPng(groundTruthPaths(path).labels, 1).data)).toEqual(
        Buffer.from(sample.labels),
      );
      expect(truth.legend['9']).toBe('hair');
      if (kind === 'real') {
        expect(truth.trace).toBeNull();
      } else {
        expect(Buffer.from(truth.trace!).equals(Buffer.from(sample.trace!))).toBe(true);
        const raw = readPng(groundTruthPaths(path).trace, 1).data;
        expect(raw.every((v) => v === 0 || v === 255)).toBe(true);
      }
    }
  });

  test('deterministic: the same options give byte-identical files; another seed does not', async () => {
    const again = join(temp.dir, 'again');
    await synthesizeDataset({ ...options, root: again });
    const a = hashTree(root);
    expect(hashTree(again)).toEqual(a);
    const other = join(temp.dir, 'other');
    await synthesizeDataset({ ...options, root: other, seed: 4 });
    const b = hashTree(other);
    const image = 'fake/train/fake-00000.png';
    expect(b[image]).not.toBe(a[image]);
  });

  test('every PNG is Paeth rows deflated by node:zlib at level 9 (the bytes of 0.1.0)', () => {
    const files = listFiles(root).filter((f) => f.endsWith('.png'));
    expect(files.length).toBe(20 + 20 + 10);
    for (const rel of files) {
      const png = readFileSync(join(root, rel));
      const channels = isGroundTruthFile(rel) ? 1 : 3;
      expect([png.readUInt32BE(16), png[25]], rel).toEqual([64, channels === 1 ? 0 : 2]);
      expect(png.toString('latin1', 37, 41)).toBe('IDAT');
      const idat = png.subarray(41, 41 + png.readUInt32BE(33));
      const rows = inflateSync(idat);
      for (let y = 0; y < 64; y++) expect(rows[y * (64 * channels + 1)], rel).toBe(4);
      expect(deflateSync(rows, { level: 9 }).equals(idat), rel).toBe(true);
    }
  });

  test('an earlier synthetic set is replaced; other non-empty folders are refused', async () => {
    const smaller = await synthesizeDataset({ ...options, count: 5 });
    expect(smaller.legend.count).toBe(5);
    expect(listFiles(root).filter((f) => f.startsWith('real/') && f.endsWith('.png'))).toHaveLength(
      10, // 5 images + 5 label maps: nothing left over from the 10-image set
    );
    const foreign = join(temp.dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await expect(synthesizeDataset({ ...options, root: foreign })).rejects.toThrow(
      /not empty and holds no synthetic benchmark/,
    );
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(temp.dir).some((d) => d.includes('.partial-'))).toBe(false);
  });

  test('readGroundTruth names the file when there is no ground truth', async () => {
    const lone = join(temp.dir, 'lone');
    mkdirSync(lone);
    const path = join(lone, 'x.png');
    writeFileSync(path, encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(12) }));
    await expect(readGroundTruth(path)).rejects.toThrow(/no ground truth for '.*x\.png'/);
    await expect(readGroundTruth(groundTruthPaths(path).labels)).rejects.toThrow(
      /is a ground-truth file/,
    );
  });
});

describe('option validation lists the allowed values', () => {
  const bad = [
    [{ tracedParts: ['hair', 'beard'] }, /unknown part "beard"; parts are 'background'/],
    [{ size: 63 }, /size must be an even integer ≥ 32, got 63/],
    [{ kernelSize: 5 }, /kernelSize must be one of 3 \| 4, got 5/],
    [{ strength: -1 }, /strength must be a finite number ≥ 0/],
    [{ colour: 'red' }, /unknown synthetic option 'colour'/],
  ] as const;
  for (const [config, message] of bad) {
    test(JSON.stringify(config), () => {
      expect(() => resolveSyntheticConfig(config as never)).toThrow(message);
    });
  }
  test('dataset options', async () => {
    const root = join(temp.dir, 'never');
    await expect(synthesizeDataset({ root, count: 0 })).rejects.toThrow(/count must be a positive/);
    await expect(
      synthesizeDataset({ root, count: 2, splits: { train: 0.5, val: 0.2, test: 0.2 } }),
    ).rejects.toThrow(/sum to 1/);
    await expect(synthesizeDataset({ root, count: 2, format: 'gif' as never })).rejects.toThrow(
      /format must be one of 'png'/,
    );
  });
});

describe('scenes and label maps', () => {
  test('renderScene is a pure function of the random sequence', () => {
    const a = renderScene({ size: 64 }, uniformStream(11));
    const b = renderScene({ size: 64 }, uniformStream(11));
    const c = renderScene({ size: 64 }, uniformStream(12));
    expect(Buffer.from(a.rgb.buffer).equals(Buffer.from(b.rgb.buffer))).toBe(true);
    expect(Buffer.from(a.labels).equals(Buffer.from(b.labels))).toBe(true);
    expect(Buffer.from(a.labels).equals(Buffer.from(c.labels))).toBe(false);
    expect(a.rgb.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  test('label maps cover every pixel with valid ids and hold the main parts in most images', () => {
    const n = 40;
    const seen = new Map<FacePart, number>();
    for (let i = 0; i < n; i++) {
      const { labels } = synthesizeSample(i % 2 ? 'fake' : 'real', i, { seed: 1 });
      expect(labels).toHaveLength(128 * 128);
      const present = new Set<number>(labels);
      expect(Math.max(...present)).toBeLessThan(FACE_PARTS.length);
      for (const id of present) seen.set(FACE_PARTS[id], (seen.get(FACE_PARTS[id]) ?? 0) + 1);
    }
    for (const part of [
      'background',
      'skin',
      'brows',
      'eye',
      'nose',
      'mouth',
      'neck',
      'clothes',
      'hair',
    ] as const) {
      expect(seen.get(part) ?? 0, part).toBeGreaterThanOrEqual(0.9 * n);
    }
    expect(seen.get('ear') ?? 0).toBeGreaterThan(0.1 * n);
    expect(seen.get('ear') ?? 0).toBeLessThan(n);
  });

  test('zoom magnifies the portrait about the face: zoom 2 fills the frame like aligned crops', () => {
    const n = 40;
    const area = (zoom?: number) => {
      const a = new Float64Array(FACE_PARTS.length);
      let clothes = 0;
      for (let i = 0; i < n; i++) {
        const { labels } = synthesizeSample('real', i, { seed: 2, ...(zoom ? { zoom } : {}) });
        for (const id of labels) a[id] += 1 / (labels.length * n);
        if (labels.includes(FACE_PARTS.indexOf('clothes'))) clothes++;
      }
      const of = (p: FacePart) => a[FACE_PARTS.indexOf(p)];
      return { background: of('background'), hair: of('hair'), skin: of('skin'), clothes };
    };
    const loose = area();
    expect(loose).toEqual(area(1));
    expect(loose.background).toBeGreaterThan(0.6);
    expect(loose.clothes).toBeGreaterThanOrEqual(0.9 * n);
    const tight = area(2);
    expect(tight.background).toBeGreaterThan(0.25);
    expect(tight.background).toBeLessThan(0.45);
    expect(tight.hair).toBeGreaterThan(0.2);
    expect(tight.skin).toBeGreaterThan(2 * loose.skin);
    expect(tight.clothes).toBeLessThan(0.5 * n);
    expect(() => resolveSyntheticConfig({ zoom: 0 })).toThrow(/zoom must be in \[0.5, 4\]/);
  });
});

describe('generator traces', () => {
  test('a per-phase-normalised stage has no checkerboard; the default one does', () => {
    const flat = createGeneratorStage({ strength: 0 });
    for (let ch = 0; ch < 3; ch++) {
      expect(flat.phaseGains[ch]).toEqual([1, 1, 1, 1]);
      expect(flat.phaseOffsets[ch]).toEqual([0, 0, 0, 0]);
    }
    const stage = createGeneratorStage({});
    const spread = stage.phaseGains.map((g) => Math.max(...g) - Math.min(...g));
    expect(Math.min(...spread)).toBeGreaterThan(0.01);
    for (const o of stage.phaseOffsets) expect(o.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 8);
    expect(createGeneratorStage({ seed: 1 }).kernels).not.toEqual(stage.kernels);
  });

  for (const kernelSize of [3, 4] as const) {
    test(`k=${kernelSize}: on a flat image the output is gain·z + offset per phase`, () => {
      const stage = createGeneratorStage({ kernelSize, seed: 2 });
      const size = 8;
      const level = 0.3; // z = 2·0.3 − 1 = −0.4
      const out = runGeneratorStage(new Float32Array(size * size * 3).fill(level), size, stage);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          for (let ch = 0; ch < 3; ch++) {
            const ph = (y % 2) * 2 + (x % 2);
            const z = stage.phaseGains[ch][ph] * -0.4 + stage.phaseOffsets[ch][ph];
            expect(out[3 * (y * size + x) + ch]).toBeCloseTo((z + 1) / 2, 5);
          }
        }
      }
    });
  }

  const cases: { parts: FacePart[] }[] = [
    { parts: ['hair', 'background'] },
    { parts: ['skin'] },
    { parts: ['clothes', 'mouth'] },
  ];
  for (const { parts } of cases) {
    test(`traces are exactly on ${parts.join(' + ')} and nowhere else`, () => {
      const ids = new Set(facePartIds(parts));
      for (let i = 0; i < 4; i++) {
        const f = synthesizeSample(
          'fake',
          i,
          { tracedParts: parts, size: 64 },
          { withClean: true },
        );
        let inside = 0;
        let changedInside = 0;
        let wrongMask = 0;
        let changedOutside = 0;
        for (let p = 0; p < 64 * 64; p++) {
          if (f.trace![p] !== (ids.has(f.labels[p]) ? 1 : 0)) wrongMask++;
          const same =
            f.rgb[3 * p] === f.clean![3 * p] &&
            f.rgb[3 * p + 1] === f.clean![3 * p + 1] &&
            f.rgb[3 * p + 2] === f.clean![3 * p + 2];
          if (f.trace![p]) {
            inside++;
            if (!same) changedInside++;
          } else if (!same) {
            changedOutside++;
          }
        }
        expect(wrongMask).toBe(0);
        expect(changedOutside).toBe(0);
        if (inside > 50) expect(changedInside / inside).toBeGreaterThan(0.3);
      }
    });
  }

  test('applyGeneratorTrace with no parts leaves the scene untouched', () => {
    const scene = renderScene({ size: 32 }, uniformStream(1));
    const { rgb, mask } = applyGeneratorTrace(scene, { tracedParts: [] });
    expect(mask.every((m) => m === 0)).toBe(true);
    expect(Array.from(rgb)).toEqual(Array.from(scene.rgb));
  });

  test('traced pixels do not depend on the untraced parts: no colour bleeds across the mask edge', () => {
    const scene = renderScene({ size: 64 }, uniformStream(3));
    const a = applyGeneratorTrace(scene, { tracedParts: ['hair', 'background'], strength: 3 });
    // Paint every untraced pixel (face, neck, clothes, …) saturated red: the stage's output
    // inside the mask must not change, down to the last bit.
    const repainted = Float32Array.from(scene.rgb);
    let untraced = 0;
    for (let p = 0; p < a.mask.length; p++) {
      if (a.mask[p]) continue;
      untraced++;
      repainted.set([1, 0, 0], 3 * p);
    }
    expect(untraced).toBeGreaterThan(500);
    const b = applyGeneratorTrace(
      { ...scene, rgb: repainted },
      { tracedParts: ['hair', 'background'], strength: 3 },
    );
    let differ = 0;
    for (let p = 0; p < a.mask.length; p++) {
      if (!a.mask[p]) continue;
      for (let c = 0; c < 3; c++) if (a.rgb[3 * p + c] !== b.rgb[3 * p + c]) differ++;
    }
    expect(differ).toBe(0);
  });

  test('Nyquist energy: fakes ≫ reals inside the traced parts, ≈ equal outside', () => {
    const n = 24;
    const traced = new Set(facePartIds(['hair', 'background']));
    let fakeIn = 0;
    let realIn = 0;
    let fakeOut = 0;
    let realOut = 0;
    for (let i = 0; i < n; i++) {
      const f = synthesizeSample('fake', i, { seed: 5 });
      const r = synthesizeSample('real', i, { seed: 5 });
      const rMask = r.labels.map((l) => (traced.has(l) ? 1 : 0));
      fakeIn += nyquistEnergy(f.rgb, 128, f.trace!);
      fakeOut += nyquistEnergy(
        f.rgb,
        128,
        f.trace!.map((m) => 1 - m),
      );
      realIn += nyquistEnergy(r.rgb, 128, rMask);
      realOut += nyquistEnergy(
        r.rgb,
        128,
        rMask.map((m) => 1 - m),
      );
    }
    expect(fakeIn / realIn).toBeGreaterThan(20);
    expect(fakeOut / realOut).toBeGreaterThan(0.5);
    expect(fakeOut / realOut).toBeLessThan(2);
  });

  // How much of xception_block2's windows the traces cover: packages/models/test/patch-grid.test.ts
  // (the grid comes from the model's layer graph there).

  test('traceCoverage clips windows at the border', () => {
    // A grid of 43-px windows every 8 px from −18, 16×16 (xception_block2's at 128 px). Only
    // the top-left 10×10 pixels: window (0, 0) is rows/cols [0, 25) → 100/625 = 0.16.
    const grid = { rf: 43, jump: 8, offset: -18, mapSize: 16 };
    const mask = new Uint8Array(128 * 128);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) mask[y * 128 + x] = 1;
    const c = traceCoverage(mask, 128, grid);
    expect(c.perWindow[0]).toBeCloseTo(0.16, 6);
    expect(c.perWindow[1]).toBeCloseTo(100 / (25 * 33), 6); // cols [0, 33)
    // (0, 0), (0, 1) and (1, 0) reach 10 %; (1, 1) has 100 / 33² ≈ 9.2 %.
    expect(c.perWindow[17]).toBeCloseTo(100 / (33 * 33), 6);
    expect(c.covered).toBe(3);
  });
});

test('readGroundTruth refuses a label map that is not 8-bit gray, or not a PNG, naming it', async () => {
  const set = join(temp.dir, 'bad-truth');
  await synthesizeDataset({ root: set, count: 1, size: 32, splits: { train: 1, val: 0, test: 0 } });
  const image = join(set, 'real', 'train', 'real-00000.png');
  const labels = groundTruthPaths(image).labels;
  const gray = await readGroundTruth(image);
  expect(gray.size).toBe(32);
  const data = new Uint8Array(32 * 32 * 3);
  writeFileSync(labels, encodePng({ width: 32, height: 32, channels: 3, data }));
  await expect(readGroundTruth(image)).rejects.toThrow(
    /real-00000\.labels\.png' is not a square 8-bit gray label map/,
  );
  writeFileSync(labels, Buffer.from('GIF89a'));
  await expect(readGroundTruth(image)).rejects.toThrow(/real-00000\.labels\.png/);
});

test('SYNTHETIC_PACKAGE_VERSION follows package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  expect(SYNTHETIC_PACKAGE_VERSION).toBe(pkg.version);
});

test('the browser entry (with the synthetic benchmark) imports nothing from node:', () => {
  const seen = new Set<string>();
  const visit = (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const text = readFileSync(url, 'utf8');
    expect(text, url.pathname).not.toMatch(/from 'node:/);
    for (const m of text.matchAll(/from '(\.{1,2}\/[\w/-]+)\.js'/g))
      visit(new URL(`${m[1]}.ts`, url));
  };
  visit(new URL('../src/index.ts', import.meta.url));
  const files = [...seen].map((f) => f.slice(f.indexOf('/src/') + 5));
  expect(files).toContain('synthetic/scene.ts');
  expect(files).toContain('synthetic/trace.ts');
  expect(files.filter((f) => f.startsWith('node/') || f === 'synthetic/node.ts')).toEqual([]);
});
