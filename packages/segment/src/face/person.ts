/**
 * Person segmentation with MediaPipe's Selfie Segmentation model (256×256 input, one channel of
 * person probability).
 */
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '@patchfx/data';

/** Selfie Segmentation input side. */
export const PERSON_INPUT_SIZE = 256;

/**
 * Person probability per pixel: the image resized to 256×256 (bilinear; the aspect ratio is not
 * kept, the model's square input is simply stretched over the image), scaled to [0, 1], and the
 * output resized back to the image size (bilinear).
 *
 * @returns `width · height` probabilities in [0, 1], row-major.
 */
export async function personProbability(model: GraphModel, image: RgbImage): Promise<Float32Array> {
  const { width: w, height: h } = image;
  const prob = tf.tidy(() => {
    const img = tf.tensor3d(Float32Array.from(image.data), [h, w, 3]);
    const resized = tf.image.resizeBilinear(
      img,
      [PERSON_INPUT_SIZE, PERSON_INPUT_SIZE],
      false,
      true,
    );
    const out = model.execute(tf.expandDims(tf.div(resized, 255), 0)) as tf.Tensor;
    const map = tf.reshape(out, [PERSON_INPUT_SIZE, PERSON_INPUT_SIZE, 1]) as tf.Tensor3D;
    return tf.clipByValue(tf.image.resizeBilinear(map, [h, w], false, true), 0, 1);
  });
  try {
    return (await prob.data()) as Float32Array;
  } finally {
    prob.dispose();
  }
}
