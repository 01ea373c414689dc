import { describe, expect, test } from 'vitest';
import { createGeneratorStage, psnr, synthesizeSample, traceCoverage } from '@patchfx/segment';
import {
  buildPatchDiscriminator,
  outputSize,
  patchGrid,
  receptiveField,
  referenceSizes,
  resolveModelConfig,
  sameArchitecture,
} from '../src/index.js';

describe('patchGrid', () => {
  for (const [name, size] of [
    ['xception_block2', 128],
    ['xception_relu1', 64],
    ['resnet18_layer2', 224],
    ['longxception', 299],
  ] as const) {
    test(`${name} at ${size} px: the built model's geometry`, () => {
      const model = buildPatchDiscriminator(name);
      try {
        expect(patchGrid(resolveModelConfig(name), size)).toEqual({
          ...receptiveField(model),
          mapSize: outputSize(model, size)[0],
        });
      } finally {
        model.dispose();
      }
    });
  }

  test('full-image classifiers have none', () => {
    expect(() => patchGrid('resnet18', 224)).toThrow(/full-image classifier/);
  });

  test('≥ 97 % of xception_block2 windows (128 px) see ≥ 10 % traced pixels; PSNR in range', () => {
    const grid = patchGrid('xception_block2', 128);
    const n = 60;
    const stage = createGeneratorStage({ seed: 0 });
    let coverage = 0;
    let inside = 0;
    for (let i = 0; i < n; i++) {
      const f = synthesizeSample('fake', i, { seed: 0 }, { stage, withClean: true });
      coverage += traceCoverage(f.trace!, 128, grid).fraction;
      inside += psnr(f.rgb, f.clean!, f.trace!);
      expect(
        psnr(
          f.rgb,
          f.clean!,
          f.trace!.map((m) => 1 - m),
        ),
      ).toBe(Infinity);
    }
    expect(coverage / n).toBeGreaterThanOrEqual(0.97);
    // Clearly there (well below the ~48 dB of ±1 grey level) but not gross (above 30 dB).
    expect(inside / n).toBeGreaterThan(30);
    expect(inside / n).toBeLessThan(44);
  });
});

describe('referenceSizes and sameArchitecture', () => {
  const cases = [
    ['xception_block2', 333, 299],
    ['xception', 333, 299],
    ['longxception', 333, 299],
    ['resnet18_layer1', 256, 224],
    ['resnet152', 256, 224],
  ] as const;
  for (const [name, loadSize, fineSize] of cases) {
    test(name, () => {
      expect(referenceSizes(resolveModelConfig(name))).toEqual({ loadSize, fineSize });
    });
  }

  test('the same network whatever the seed; another truncation is another network', () => {
    const a = resolveModelConfig('xception_block2', { seed: 1 });
    expect(
      sameArchitecture(a, resolveModelConfig({ backbone: 'xception', truncateAt: 'block2' })),
    ).toBe(true);
    expect(sameArchitecture(a, resolveModelConfig('xception_block3'))).toBe(false);
  });
});
