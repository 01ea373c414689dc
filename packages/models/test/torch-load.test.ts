/**
 * Loading reference checkpoints into patchfx models: key mapping errors, architecture
 * inference, bare state dicts, and the safetensors export round trip.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, inject, test } from 'vitest';
import { makeTempDir, withNoLeaks } from '@patchfx/test-utils';
import { buildPatchDiscriminator } from '../src/index.js';
import {
  assignTorchStateDict,
  encodeSafetensors,
  findStateDict,
  inferModelNames,
  loadTorchCheckpoint,
  readTorchFile,
  stateDictShapes,
  torchParams,
  TorchTensor,
} from '../src/torch/index.js';
import { loadTorchCheckpointFile, saveSafetensorsFile } from '../src/node/index.js';
import { permuteAxes } from '../src/torch/load.js';

const backend = inject('backend');
const DIR = fileURLToPath(new URL('./fixtures/torch/', import.meta.url));
const fixture = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));

/** A safetensors file with its JSON header edited by `edit`. */
function editSafetensorsHeader(
  bytes: Uint8Array,
  edit: (header: Record<string, unknown>) => void,
): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

function input(seed: number, size = 40): tf.Tensor4D {
  return tf.tidy(() => tf.randomUniform([1, size, size, 3], -1, 1, 'float32', seed) as tf.Tensor4D);
}

describe(`loading reference checkpoints on ${backend}`, () => {
  test('one error lists every missing, unexpected and mis-shaped key, and leaks nothing', async () => {
    const error = await withNoLeaks(() =>
      loadTorchCheckpointFile(join(DIR, 'xception_relu1_doctored.pth'), {
        whichModelNetD: 'xception_relu1',
      }).then(
        () => null,
        (e: Error) => e,
      ),
    );
    expect(error?.message).toMatch(
      /^cannot load '.*xception_relu1_doctored\.pth' as 'xception_relu1': 3 key\(s\) do not fit$/m,
    );
    expect(error?.message).toContain('  missing: bn1.running_var [32]');
    expect(error?.message).toContain('  unexpected: bn9.weight [7]');
    expect(error?.message).toContain(
      '  wrong shape: convout.weight is [2, 32] in the file, expected [2, 32, 1, 1]',
    );
    expect(error?.message.split('\n')).toHaveLength(4);
  });

  test('nothing is written into the model unless every key fits', async () => {
    const { stateDict } = findStateDict(
      (await readTorchFile(fixture('xception_relu1_doctored.pth'))).value,
    );
    const model = buildPatchDiscriminator('xception_relu1');
    try {
      const before = await Promise.all(model.weights.map((w) => w.read().data()));
      expect(() => assignTorchStateDict(model, stateDict, 'doctored')).toThrow(/3 key\(s\)/);
      const after = await Promise.all(model.weights.map((w) => w.read().data()));
      expect(after).toEqual(before);
    } finally {
      model.dispose();
    }
  });

  test('a wrong architecture names what the file seems to hold', async () => {
    await withNoLeaks(async () => {
      const error = await loadTorchCheckpoint(fixture('xception_block2.pth'), {
        whichModelNetD: 'xception_block1',
        where: 'bestval_net_D.pth',
      }).catch((e: Error) => e);
      const message = (error as Error).message;
      expect(message).toMatch(/^cannot load bestval_net_D\.pth as 'xception_block1'/);
      expect(message).toContain('  unexpected: block2.rep.1.conv1.weight [128, 1, 3, 3]');
      expect(message).toContain(
        '  wrong shape: convout.weight is [2, 256, 1, 1] in the file, expected [2, 128, 1, 1]',
      );
      expect(message.split('\n')[0]).toMatch(
        /do not fit\. The file's keys look like 'xception_block2': use --which_model_netD xception_block2$/,
      );
    });
    const other = await loadTorchCheckpoint(fixture('resnet18_layer1.pth'), {
      whichModelNetD: 'xception_block2',
    }).catch((e: Error) => e);
    expect((other as Error).message).toContain('  missing: block2.skip.weight [256, 128, 1, 1]');
    expect((other as Error).message).toContain(
      '  unexpected: layer1.0.conv1.weight [64, 64, 3, 3]',
    );
    expect((other as Error).message).toContain("look like 'resnet18_layer1'");
  });

  test('without whichModelNetD the architecture is inferred from the keys', async () => {
    const ckpt = await loadTorchCheckpointFile(join(DIR, 'xception_block3.pth'));
    try {
      expect(ckpt.whichModelNetD).toBe('xception_block3');
      expect(ckpt.otherKeys).toEqual([
        'optimizer',
        'scheduler',
        'epoch',
        'best_val_metric',
        'best_val_ep',
      ]);
    } finally {
      ckpt.model.dispose();
    }
  });

  test("a bare state dict of an nn.DataParallel model ('module.' prefix) loads", async () => {
    const ckpt = await loadTorchCheckpointFile(join(DIR, 'xception_relu1_bare.pth'));
    try {
      expect(ckpt.whichModelNetD).toBe('xception_relu1');
      expect(ckpt.otherKeys).toEqual([]);
      expect(ckpt.epoch).toBeUndefined();
    } finally {
      ckpt.model.dispose();
    }
  });

  test('inference that fails names the candidates, or the keys it cannot place', async () => {
    const model = buildPatchDiscriminator('resnet18_bn1');
    try {
      const stem = await encodeSafetensors(model);
      // Without the exported which_model_netD, a ResNet stem fits every depth and cut point.
      const bare = editSafetensorsHeader(stem, (h) => delete h.__metadata__);
      await expect(loadTorchCheckpoint(bare, { where: 's' })).rejects.toThrow(
        /^s: the keys fit several models \(resnet18_bn1, resnet18_relu, resnet18_maxpool, resnet34_bn1, .*\); pass which_model_netD$/,
      );
      const foreign = editSafetensorsHeader(bare, (h) => {
        for (const k of Object.keys(h)) {
          h[`encoder.${k}`] = h[k];
          delete h[k];
        }
      });
      await expect(withNoLeaks(() => loadTorchCheckpoint(foreign, { where: 'f' }))).rejects.toThrow(
        /^f: the state dict's keys fit no model patchfx knows \(8 keys: 'encoder\.conv1\.weight', 'encoder\.bn1\.weight', .*\); pass which_model_netD$/,
      );
    } finally {
      model.dispose();
    }
  });

  test('an ArrayBuffer (as from fetch) loads like bytes', async () => {
    const bytes = fixture('xception_relu1_bare.pth');
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const ckpt = await loadTorchCheckpoint(buffer as ArrayBuffer);
    expect(ckpt.whichModelNetD).toBe('xception_relu1');
    ckpt.model.dispose();
  });

  test('a file without a state dict says what it holds', async () => {
    await expect(
      loadTorchCheckpoint(fixture('dtypes.pth'), {
        whichModelNetD: 'xception_block1',
        where: 'd.pth',
      }),
    ).rejects.toThrow(
      /^d\.pth holds no state dict: it holds a dict with keys 'float32', 'float64'/,
    );
  });

  const inference = [
    ['xception_relu1', ['xception_relu1']],
    ['xception_relu2', ['xception_relu2']],
    ['xception_block1', ['xception_block1']],
    ['xception_block5', ['xception_block5']],
    ['longxception', ['longxception']],
    ['resnet18_layer2', ['resnet18_layer2']],
    ['resnet34_layer1', ['resnet34_layer1']],
    ['resnet50_layer1', ['resnet50_layer1', 'resnet101_layer1', 'resnet152_layer1']],
    // The stem's weights are the same for every depth and for bn1/relu/maxpool.
    [
      'resnet18_maxpool',
      [18, 34, 50, 101, 152].flatMap((d) =>
        ['bn1', 'relu', 'maxpool'].map((l) => `resnet${d}_${l}`),
      ),
    ],
    ['resnet50_conv1', [18, 34, 50, 101, 152].map((d) => `resnet${d}_conv1`)],
  ] as const;
  for (const [name, expected] of inference) {
    test(`inferModelNames: the keys of ${name} give ${expected.join(', ')}`, () => {
      const model = buildPatchDiscriminator(name);
      try {
        const shapes = new Map(torchParams(model).map((p) => [p.torchName, p.torchShape]));
        expect(inferModelNames(shapes)).toEqual(expected);
      } finally {
        model.dispose();
      }
    });
  }

  test('inferModelNames on full-model checkpoints and foreign keys', async () => {
    const { stateDict } = findStateDict((await readTorchFile(fixture('resnet18.pth'))).value);
    expect(inferModelNames(stateDictShapes(stateDict))).toEqual(['resnet18']);
    expect(inferModelNames(new Map([['encoder.weight', [3]]]))).toEqual([]);
  });
});

describe(`safetensors export on ${backend}`, () => {
  test('the export has the PyTorch names, shapes and values of the loaded checkpoint', async () => {
    const original = findStateDict(
      (await readTorchFile(fixture('xception_block1.pth'))).value,
    ).stateDict;
    const ckpt = await loadTorchCheckpoint(fixture('xception_block1.pth'));
    try {
      const bytes = await withNoLeaks(() =>
        encodeSafetensors(ckpt.model, { metadata: { epoch: '7' } }),
      );
      const exported = await readTorchFile(bytes);
      expect(exported.format).toBe('safetensors');
      expect(exported.metadata).toEqual({
        epoch: '7',
        format: 'pt',
        which_model_netD: 'xception_block1',
      });
      const map = exported.value as Map<string, TorchTensor>;
      expect([...map.keys()].sort()).toEqual([...original.keys()].sort());
      for (const [key, t] of original) {
        const e = map.get(key)!;
        expect(e.shape, key).toEqual((t as TorchTensor).shape);
        if (key.endsWith('num_batches_tracked')) continue;
        expect(Array.from(e.data as Float32Array), key).toEqual(
          Array.from((t as TorchTensor).data as Float32Array),
        );
      }
    } finally {
      ckpt.model.dispose();
    }
  });

  test('a safetensors file reloads (from disk) to identical logits', async () => {
    const { dir, remove } = makeTempDir();
    const model = buildPatchDiscriminator('resnet18_layer1', { seed: 3 });
    const x = input(5);
    try {
      const path = join(dir, 'out', 'bestval_net_D.safetensors');
      await saveSafetensorsFile(path, model, { metadata: { epoch: '4' } });
      const back = await loadTorchCheckpointFile(path);
      expect(back.whichModelNetD).toBe('resnet18_layer1');
      expect(back.epoch).toBe(4);
      const a = tf.tidy(() => model.predict(x) as tf.Tensor);
      const b = tf.tidy(() => back.model.predict(x) as tf.Tensor);
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      tf.dispose([a, b]);
      back.model.dispose();
    } finally {
      x.dispose();
      model.dispose();
      remove();
    }
  });

  test('permuteAxes moves axes as documented (output axis i = input axis perm[i])', () => {
    // [2, 3] → transpose
    expect(Array.from(permuteAxes(Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3], [1, 0]))).toEqual([
      0, 3, 1, 4, 2, 5,
    ]);
    // OIHW [2, 1, 1, 2] → HWIO [1, 2, 1, 2]
    const oihw = Float32Array.from([10, 11, 20, 21]); // o0: (w0 10, w1 11), o1: (20, 21)
    expect(Array.from(permuteAxes(oihw, [2, 1, 1, 2], [2, 3, 1, 0]))).toEqual([10, 20, 11, 21]);
  });
});
