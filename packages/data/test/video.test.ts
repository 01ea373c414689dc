// Video frames through the system's FFmpeg (Debian's ffmpeg, as CI installs it): lossless
// H.264 round trips byte for byte, early stops end ffmpeg (no child left, zombie or not), and
// every failure names the file or says how to install FFmpeg.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { childProcesses, makeTempDir } from '@patchfx/test-utils';
import { checkFfmpeg, probeVideo, readVideoFrames, writeVideo } from '@patchfx/data/node';
import { noiseImage } from './helpers.js';

const temps: Array<() => void> = [];
afterEach(() => temps.splice(0).forEach((r) => r()));
function tempDir() {
  const t = makeTempDir('patchfx-video-');
  temps.push(t.remove);
  return t.dir;
}

// no tensors here: once, on the cpu project
const once = describe.skipIf(inject('backend') !== 'cpu');

const frames = Array.from({ length: 6 }, (_, k) => noiseImage(40, 30, k + 1));

once('writeVideo + probeVideo + readVideoFrames', () => {
  test('a lossless H.264 .mp4 gives back every frame byte for byte, in order', async () => {
    const path = join(tempDir(), 'noise.mp4');
    await writeVideo(path, frames, { fps: 10 });
    expect(await probeVideo(path)).toEqual({
      width: 40,
      height: 30,
      frameCount: 6,
      fps: 10,
      codec: 'h264',
    });
    const got: number[] = [];
    for await (const { index, image } of readVideoFrames(path)) {
      expect([image.width, image.height]).toEqual([40, 30]);
      expect(Buffer.from(image.data).equals(Buffer.from(frames[index].data))).toBe(true);
      got.push(index);
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('c23-style lossy video: same count, frames close to the source', async () => {
    const path = join(tempDir(), 'lossy.mp4');
    const flat = frames.map((f, k) => ({ ...f, data: new Uint8Array(f.data.length).fill(40 * k) }));
    await writeVideo(path, flat, { crf: 23 });
    let n = 0;
    for await (const { index, image } of readVideoFrames(path)) {
      const mean = image.data.reduce((a, b) => a + b, 0) / image.data.length;
      expect(Math.abs(mean - 40 * index)).toBeLessThan(3);
      n++;
    }
    expect(n).toBe(6);
  });

  test('stopping early (break, abort) ends ffmpeg: no child process is left', async () => {
    const path = join(tempDir(), 'long.mp4');
    await writeVideo(
      path,
      Array.from({ length: 120 }, (_, k) => frames[k % frames.length]),
    );
    for await (const { index } of readVideoFrames(path)) {
      expect(childProcesses().some((c) => c.comm === 'ffmpeg')).toBe(true); // it is running now
      if (index === 1) break;
    }
    expect(childProcesses().filter((c) => c.comm === 'ffmpeg')).toEqual([]);

    const controller = new AbortController();
    const reading = (async () => {
      for await (const { index } of readVideoFrames(path, { signal: controller.signal })) {
        if (index === 2) controller.abort(new Error('stop here'));
      }
    })();
    await expect(reading).rejects.toThrow('stop here');
    expect(childProcesses().filter((c) => c.comm === 'ffmpeg')).toEqual([]);
  });
});

once('errors', () => {
  test('a missing video names the file', async () => {
    const path = join(tempDir(), 'none.mp4');
    await expect(probeVideo(path)).rejects.toThrow(`video file not found: '${path}'`);
    await expect(readVideoFrames(path).next()).rejects.toThrow(path);
  });

  test('a corrupt video names the file', async () => {
    const path = join(tempDir(), 'corrupt.mp4');
    writeFileSync(path, noiseImage(20, 20).data);
    await expect(readVideoFrames(path).next()).rejects.toThrow(`cannot read video '${path}'`);
  });

  test('without ffmpeg on PATH: the install command', async () => {
    const path = join(tempDir(), 'a.mp4');
    await writeVideo(path, frames.slice(0, 1));
    const saved = process.env.PATH;
    process.env.PATH = tempDir(); // an empty folder
    try {
      await expect(checkFfmpeg()).rejects.toThrow(/'ffmpeg' was not found: .*apt-get install/);
      await expect(readVideoFrames(path).next()).rejects.toThrow(
        /'ffprobe' was not found: install FFmpeg \(Debian\/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg\)/,
      );
      await expect(writeVideo(path, frames.slice(0, 1))).rejects.toThrow(
        /'ffmpeg' was not found: .*apt-get install ffmpeg/,
      );
    } finally {
      process.env.PATH = saved;
    }
    expect(await checkFfmpeg()).toMatch(/^ffmpeg version /);
    await expect(readVideoFrames(path, { ffmpeg: '/no/such/ffmpeg' }).next()).rejects.toThrow(
      "'/no/such/ffmpeg' was not found",
    );
  });

  test('frames of different sizes cannot be written', async () => {
    await expect(
      writeVideo(join(tempDir(), 'x.mp4'), [frames[0], noiseImage(20, 20)]),
    ).rejects.toThrow('frame 1 is 20×20, frame 0 is 40×30');
  });
});
