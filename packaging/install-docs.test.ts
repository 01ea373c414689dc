/**
 * The install instructions a new user copies (issue 16): the pack command the README, the
 * detector page and the package READMEs give runs and prints an install line for five existing
 * tarballs, and every documented app install line names exactly the tfjs packages the packaging
 * setup installs beside the tarballs (`APP_DEPENDENCIES`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { APP_DEPENDENCIES } from './pack.js';
import { PUBLISHED, REPO_ROOT, run } from './shared.js';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** The `npm install …tarballs/*.tgz …` commands of a Markdown file, line continuations joined. */
function tarballInstallLines(markdown: string): string[][] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1].replace(/\\\n\s*/g, ' '))
    .flatMap((block) => block.split('\n'))
    .filter((line) => /npm install \S*tarballs\/\*\.tgz/.test(line))
    .map((line) => line.replace(/#.*$/, '').trim().split(/\s+/));
}

describe('install docs', () => {
  const docs = ['README.md', 'docs/detector.md'];

  for (const doc of docs) {
    test(`${doc}: the pack command exists and the app install line names the tfjs packages`, () => {
      const text = read(doc);
      expect(text).toContain('npm ci && npm run pack:tarballs');
      const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
      expect(scripts['pack:tarballs']).toBeDefined();
      const lines = tarballInstallLines(text);
      expect(lines).toHaveLength(1);
      expect(lines[0].filter((w) => w.startsWith('@tensorflow/')).sort()).toEqual(
        [...APP_DEPENDENCIES].sort(),
      );
    });
  }

  for (const name of ['models', 'metrics', 'segment']) {
    test(`packages/${name}/README.md says the package is not on the registry yet and how to pack it`, () => {
      const text = read(`packages/${name}/README.md`);
      expect(text).toMatch(/Not on the npm registry yet/);
      expect(text).toContain('npm ci && npm run pack:tarballs');
    });
  }

  const out = mkdtempSync(join(tmpdir(), 'patchfx-pack-docs-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('npm run pack:tarballs -- <folder> packs the five packages and prints the install line', async () => {
    const { stdout } = await run('npm', ['run', '-s', 'pack:tarballs', '--', out], REPO_ROOT);
    const install = stdout
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith('npm install '));
    expect(install).toBeDefined();
    const words = install!.split(/\s+/).slice(2);
    const tarballs = words.filter((w) => w.endsWith('.tgz'));
    expect(tarballs.map((t) => t.slice(out.length + 1).replace(/-\d.*$/, '')).sort()).toEqual(
      PUBLISHED.map((p) => `patchfx-${p}`).sort(),
    );
    for (const t of tarballs) expect(existsSync(t)).toBe(true);
    expect(words.filter((w) => !w.endsWith('.tgz'))).toEqual([...APP_DEPENDENCIES]);
  });

  test('npm run pack:tarballs -- --help exits 0; a stray option exits non-zero', async () => {
    const help = await run('npm', ['run', '-s', 'pack:tarballs', '--', '--help'], REPO_ROOT);
    expect(help.stdout).toMatch(/usage: npm run pack:tarballs/);
    await expect(
      run('npm', ['run', '-s', 'pack:tarballs', '--', '--bogus'], REPO_ROOT),
    ).rejects.toThrow(/expected at most one folder/);
  });
});
