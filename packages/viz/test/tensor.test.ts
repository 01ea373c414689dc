import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { imageFromFloats, imageFromTensor, patchMapFromTensor } from '@patchfx/viz';
import { withNoLeaks } from '@patchfx/test-utils';

describe('tensor readers', () => {
  test('patchMapFromTensor accepts [h,w], [h,w,1], [1,h,w,1] and leaks nothing', async () => {
    for (const shape of [
      [2, 3],
      [2, 3, 1],
      [1, 2, 3, 1],
    ]) {
      const t = tf.tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), shape);
      const map = await withNoLeaks(() => patchMapFromTensor(t));
      t.dispose();
      expect([map.height, map.width]).toEqual([2, 3]);
      expect(Array.from(map.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    const bad = tf.zeros([2, 2, 2]);
    await expect(patchMapFromTensor(bad)).rejects.toThrow('patchMapFromTensor expects shape');
    bad.dispose();
  });

  test('imageFromTensor converts a [-1, 1] model input like the reference saves NNN_orig.png', async () => {
    const t = tf.tensor4d([-1, -0.5, 0, 0.5, 1, 2], [1, 1, 2, 3]);
    const img = await withNoLeaks(() => imageFromTensor(t));
    t.dispose();
    expect([img.width, img.height, img.channels]).toEqual([2, 1, 3]);
    expect(Array.from(img.data)).toEqual([0, 63, 127, 191, 255, 255]);
  });

  test('imageFromFloats: unit range and CHW layout', () => {
    expect(() =>
      imageFromFloats([0, 1, 0.5, 0.25], { height: 1, width: 2, channels: 2 as 1 }),
    ).toThrow('channels must be one of 1 | 3 | 4, got 2');
    const rgb = imageFromFloats(
      [0, 1, 0.5, 1, 0, 0.25],
      { height: 1, width: 2, channels: 3 },
      { range: 'unit', layout: 'chw' },
    );
    expect(Array.from(rgb.data)).toEqual([0, 127, 0, 255, 255, 63]);
  });
});
