// No initNodeCodecs() in this file on purpose: the JPEG codec's WebAssembly is not loaded.
import { expect, test } from 'vitest';
import { decodeImage, ImageDecodeError } from '@patchfx/data';
import { readFixture } from './helpers.js';

test('JPEG in Node without initNodeCodecs(): an error that says what to call', async () => {
  const err = await decodeImage(readFixture('decode/jpeg_baseline_420_q90.jpg'), 'a.jpg').catch(
    (e) => e,
  );
  expect(err).not.toBeInstanceOf(ImageDecodeError);
  expect(err.message).toMatch(/call `await initNodeCodecs\(\)` from '@patchfx\/data\/node' first/);
  // header problems are still reported without the codec
  const cut = readFixture('decode/jpeg_baseline_420_q90.jpg').slice(0, 100);
  await expect(decodeImage(cut, 'cut.jpg')).rejects.toThrow(/'cut.jpg': truncated JPEG/);
});
