import { describe, expect, test } from 'vitest';
import {
  buildPatchDiscriminator,
  decodeCheckpoint,
  encodeCheckpoint,
  resolveModelConfig,
} from '../src/index.js';
import { readTrainingState } from '../src/train/index.js';

const STATE = {
  epoch: 2,
  stepInEpoch: 3,
  totalSteps: 43,
  bestValMetric: 0.75,
  bestValEpoch: 1,
  learningRate: 0.001,
};

describe('readTrainingState', () => {
  test('a complete state comes back as it was; JSON null plateau best is -Infinity', () => {
    expect(readTrainingState(STATE, 'f')).toEqual(STATE);
    const stored = JSON.parse(
      JSON.stringify({ ...STATE, plateau: { best: -Infinity, numBadEpochs: 2 }, done: true }),
    );
    expect(readTrainingState(stored, 'f')).toEqual({
      ...STATE,
      plateau: { best: -Infinity, numBadEpochs: 2 },
      done: true,
    });
  });

  const bad = [
    [
      'a converted checkpoint (no step counts)',
      { epoch: 7, bestValMetric: 0.9, convertedFrom: 'x.pth' },
      /stepInEpoch is undefined, expected a non-negative integer/,
    ],
    ['a fractional epoch', { ...STATE, epoch: 1.5 }, /epoch is 1\.5/],
    [
      'a string learning rate',
      { ...STATE, learningRate: '0.001' },
      /learningRate is "0\.001", expected a number/,
    ],
    ['a broken plateau', { ...STATE, plateau: { best: 1 } }, /plateau is \{"best":1\}/],
    ['not an object', 3, /state is 3, expected an object/],
  ] as const;
  for (const [title, value, message] of bad) {
    test(`${title}: an error naming the file`, () => {
      expect(() => readTrainingState(value, 'run/latest/checkpoint.json')).toThrow(
        /^run\/latest\/checkpoint\.json holds no training state to resume from: /,
      );
      expect(() => readTrainingState(value, 'f')).toThrow(message);
    });
  }
});

describe('the model name of a checkpoint is parsed once, when read', () => {
  async function files(edit?: (manifest: Record<string, unknown>) => void) {
    const model = buildPatchDiscriminator('xception_relu1');
    try {
      const out = await encodeCheckpoint({ model, state: STATE });
      if (edit) {
        const m = JSON.parse(new TextDecoder().decode(out.get('checkpoint.json')));
        edit(m);
        out.set('checkpoint.json', new TextEncoder().encode(JSON.stringify(m)));
      }
      return out;
    } finally {
      model.dispose();
    }
  }
  const reader = (f: Map<string, Uint8Array>) => async (name: string) => f.get(name);

  test('an unknown name is a clear error naming checkpoint.json', async () => {
    const f = await files((m) => (m.whichModelNetD = 'xception_blok1'));
    await expect(decodeCheckpoint(reader(f), 'ck')).rejects.toThrow(
      /ck\/checkpoint\.json is damaged .*whichModelNetD: unknown model name 'xception_blok1' \(did you mean 'xception_block1'\?\)/,
    );
  });

  test('the architecture asked for is compared as a resolved config', async () => {
    const f = await files();
    const same = await decodeCheckpoint(reader(f), 'ck', {
      whichModelNetD: resolveModelConfig('xception_relu1', { seed: 5 }),
    });
    same.model.dispose();
    await expect(
      decodeCheckpoint(reader(f), 'ck', { whichModelNetD: resolveModelConfig('xception_relu2') }),
    ).rejects.toThrow(/holds a 'xception_relu1' model, but 'xception_relu2' was asked for/);
  });
});
