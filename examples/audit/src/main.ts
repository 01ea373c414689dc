/**
 * audit: `npm run audit -- --real_im_path R --fake_im_path F [--partition train|val|test]` — the
 * format audit that training runs before it starts (`auditFiles` of `@patchfx/data/node`), on its
 * own: for each split, what the real and fake files are (formats, sizes, bit depths, colour
 * types, JPEG qualities, bytes per pixel) and every difference a detector could learn instead of
 * generator artefacts. Exit code 1 when any split has a warning, so a script can stop on it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DatasetAudit, DatasetSideSummary } from '@patchfx/data';
import { auditFiles, discoverPairedSplit, PARTITIONS, type Partition } from '@patchfx/data/node';
import {
  BACKEND_OPTION,
  parseOptions,
  runMain,
  say,
  SMOKE_OPTION,
  withSmoke,
} from '@patchfx/example-common';

/** `{ png: 73, jpeg: 2 }` → `png 73, jpeg 2`, most frequent first. */
const counts = (c: Readonly<Record<string, number>>) =>
  Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '-';

function describeSide(name: string, s: DatasetSideSummary): string {
  const sample = s.total > s.count ? ` (${s.count} audited)` : '';
  const lines = [
    `  ${name}: ${s.total} file(s)${sample}`,
    `    formats ${counts(s.formats)}; sizes ${counts(s.sizes)}`,
    `    bit depths ${counts(s.bitDepths)}; colour ${counts(s.colors)}`,
  ];
  if (Object.keys(s.jpegQualities).length)
    lines.push(
      `    JPEG quality ≈ ${counts(s.jpegQualities)}; subsampling ${counts(s.subsampling)}`,
    );
  if (s.count)
    lines.push(
      `    file bytes ${s.fileBytes.min}–${s.fileBytes.max} (median ${s.fileBytes.median}, ${s.fileBytes.medianPerPixel.toFixed(3)} per pixel)`,
    );
  for (const u of s.unreadable.slice(0, 5)) lines.push(`    unreadable: ${u}`);
  if (s.unreadable.length > 5) lines.push(`    … and ${s.unreadable.length - 5} more unreadable`);
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number | void> {
  const { values } = parseOptions(
    {
      real_im_path: {
        type: 'string',
        default: null,
        help: 'real images: a folder with train/ val/ test/ inside',
      },
      fake_im_path: {
        type: 'string',
        default: null,
        help: 'fake images: a folder with train/ val/ test/ inside',
      },
      partition: {
        type: 'string',
        default: 'all',
        choices: ['all', ...PARTITIONS],
        help: "split to audit; 'all': every split present on both sides",
      },
      max_files: {
        type: 'number',
        default: 0,
        help: 'inspect at most this many file headers per side and split, evenly spread (0: all)',
      },
      json: { type: 'boolean', default: false, help: 'print the audits as JSON instead' },
      backend: {
        ...BACKEND_OPTION,
        help: 'unused: audit reads file headers and does no tensor work (accepted like every program)',
      },
      smoke: SMOKE_OPTION,
    },
    argv,
    'audit',
    '--real_im_path R --fake_im_path F [--partition all|train|val|test] [--max_files N] [--json]',
  );
  if (!values.real_im_path || !values.fake_im_path)
    throw new Error(
      'give --real_im_path and --fake_im_path (folders with train/ val/ test/ inside)',
    );
  const real = resolve(String(values.real_im_path));
  const fake = resolve(String(values.fake_im_path));
  const maxFiles = Number(values.max_files);
  if (!Number.isInteger(maxFiles) || maxFiles < 0)
    throw new Error(`--max_files must be 0 (all) or a positive integer, got ${values.max_files}`);
  for (const root of [real, fake])
    if (!existsSync(root)) throw new Error(`no such folder: ${root}`);
  // 'all': the splits with anything in them on either side (an export makes all three folders,
  // some may stay empty); a split empty on one side only is an error, from discovery.
  const filled = (dir: string) => existsSync(dir) && readdirSync(dir).length > 0;
  const partitions: Partition[] =
    values.partition === 'all'
      ? PARTITIONS.filter((p) => filled(join(real, p)) || filled(join(fake, p)))
      : [values.partition as Partition];
  if (partitions.length === 0)
    throw new Error(
      `neither ${real} nor ${fake} has images in a train/, val/ or test/ folder: give the folders that hold the splits`,
    );
  const audits: Record<string, DatasetAudit> = {};
  for (const p of partitions) {
    const split = await discoverPairedSplit(real, fake, p);
    audits[p] = await auditFiles(split.real, split.fake, {
      maxFiles: maxFiles === 0 ? Infinity : maxFiles,
    });
  }
  const warned = Object.entries(audits).filter(([, a]) => a.warnings.length);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ real, fake, audits }, null, 2)}\n`);
  } else {
    for (const [p, a] of Object.entries(audits)) {
      say(`${p}:`);
      say(describeSide('real', a.real));
      say(describeSide('fake', a.fake));
      for (const w of a.warnings) say(`  warning: ${w}`);
      for (const n of a.notes) say(`  note: ${n}`);
    }
    say(
      warned.length
        ? `${warned.reduce((n, [, a]) => n + a.warnings.length, 0)} warning(s) in ${warned.map(([p]) => p).join(', ')}: read them before training (exit code 1)`
        : `no differences between real and fake in ${partitions.join(', ')}`,
    );
  }
  return warned.length ? 1 : 0;
}

runMain(
  withSmoke('audit', main, {
    needs: 'data',
    args: (ws) => ['--real_im_path', ws.real, '--fake_im_path', ws.fake],
  }),
);
