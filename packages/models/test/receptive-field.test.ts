import { describe, expect, test } from 'vitest';
import { buildPatchDiscriminator, outputSize, patchWindow, receptiveField } from '../src/index.js';

/** Spec §1.7, every row: name, rf, jump, offset, map @299, @128, @224. */
const TABLE = [
  ['xception_relu1', 3, 2, 0, 149, 63, 111],
  ['xception_relu2', 7, 2, 0, 147, 61, 109],
  ['xception_block1', 19, 4, -6, 74, 31, 55],
  ['xception_block2', 43, 8, -18, 37, 16, 28],
  ['xception_block3', 91, 16, -42, 19, 8, 14],
  ['xception_block4', 187, 16, -90, 19, 8, 14],
  ['xception_block5', 283, 16, -138, 19, 8, 14],
  ['xception_block6', 379, 16, null, 19, 8, 14],
  ['xception_block7', 475, 16, null, 19, 8, 14],
  ['xception_block8', 571, 16, null, 19, 8, 14],
  ['xception_block9', 667, 16, null, 19, 8, 14],
  ['xception_block10', 763, 16, null, 19, 8, 14],
  ['xception_block11', 859, 16, null, 19, 8, 14],
  ['xception_block12', 955, 32, -474, 10, 4, 7],
  ['xception_relu3', 1019, 32, null, 10, 4, 7],
  ['xception_relu4', 1083, 32, null, 10, 4, 7],
  ['longxception', 43, 8, -18, 37, 16, 28],
  ['resnet18_layer1', 43, 4, -21, 75, 32, 56],
  ['resnet18_layer2', 99, 8, -49, 38, 16, 28],
  ['resnet18_layer3', 211, 16, -105, 19, 8, 14],
  ['resnet18_layer4', 435, 32, -217, 10, 4, 7],
] as const;

describe('receptive field and map size (spec §1.7)', () => {
  for (const [name, rf, jump, offset, m299, m128, m224] of TABLE) {
    test(name, () => {
      const model = buildPatchDiscriminator(name);
      try {
        const g = receptiveField(model);
        expect(g.rf).toBe(rf);
        expect(g.jump).toBe(jump);
        if (offset !== null) expect(g.offset).toBe(offset);
        expect(outputSize(model, 299)).toEqual([m299, m299]);
        expect(outputSize(model, 128)).toEqual([m128, m128]);
        expect(outputSize(model, 224)).toEqual([m224, m224]);
      } finally {
        model.dispose();
      }
    });
  }

  test('the symbolic output shape agrees with the geometry', () => {
    const model = buildPatchDiscriminator('xception_block2');
    try {
      const [h, w] = outputSize(model, 128);
      const out = model.outputs[0].shape;
      expect(out[3]).toBe(2);
      expect([h, w]).toEqual([16, 16]);
    } finally {
      model.dispose();
    }
  });

  test('patchWindow clips to the image and keeps the true offset', () => {
    const model = buildPatchDiscriminator('xception_block2');
    try {
      const first = patchWindow(model, 0, 0, 128);
      expect(first).toEqual({
        top: 0,
        left: 0,
        bottom: 25,
        right: 25,
        rawTop: -18,
        rawLeft: -18,
        rf: 43,
      });
      const mid = patchWindow(model, 5, 7, 128);
      expect(mid).toMatchObject({
        top: 22,
        left: 38,
        bottom: 65,
        right: 81,
        rawTop: 22,
        rawLeft: 38,
      });
      const last = patchWindow(model, 15, 15, 128);
      expect(last).toMatchObject({ top: 102, bottom: 128, rawTop: 102 });
    } finally {
      model.dispose();
    }
  });

  test('full-image models have no patch map', () => {
    const model = buildPatchDiscriminator('resnet18');
    try {
      expect(() => receptiveField(model)).toThrow(/full-image classifier/);
    } finally {
      model.dispose();
    }
  });
});
