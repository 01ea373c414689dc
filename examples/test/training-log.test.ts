import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeTempDir } from '@patchfx/test-utils';
import { readTrainingLog, truncateTrainingLog } from '@patchfx/example-common';

const LINES = [
  { event: 'start', name: 'x' },
  { event: 'step', step: 1, epoch: 0 },
  { event: 'step', step: 2, epoch: 0 },
  { note: 'a line that names no event' },
  { event: 'epoch', epoch: 0, step: 2 },
  { event: 'step', step: 3, epoch: 1 },
  { event: 'epoch', epoch: 1, step: 3 },
  { event: 'end' },
];

describe("the train program's log.jsonl", () => {
  test('a resume at epoch 1, step 2 drops what runs again; other lines stay', () => {
    const { dir, remove } = makeTempDir();
    try {
      const path = join(dir, 'log.jsonl');
      // The last line cut short by a kill.
      writeFileSync(path, LINES.map((r) => JSON.stringify(r)).join('\n') + '\n{"event":"st');
      expect(truncateTrainingLog(path, { epoch: 1, step: 2 })).toBe(3);
      const kept = readFileSync(path, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(kept).toEqual(LINES.slice(0, 5));
      const log = readTrainingLog(path);
      expect(log.steps.map((r) => r.step)).toEqual([1, 2]);
      expect(log.epochs.map((r) => r.epoch)).toEqual([0]);
      expect(truncateTrainingLog(path, { epoch: 1, step: 2 })).toBe(0);
    } finally {
      remove();
    }
  });
});
