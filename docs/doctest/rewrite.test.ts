import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { DoctestSyntaxError, type Fence } from './fences.js';
import { REPO_ROOT } from './extract.js';
import { parseAssertionComment, rewriteFence, sourceLineOf } from './rewrite.js';

// Generated modules must live inside the repository so that they resolve `vitest` and the
// helper; `.vitest-tmp/` is gitignored.
const dir = join(REPO_ROOT, '.vitest-tmp', `doctest-rewrite-${process.pid}`);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const helper = relative(dir, join(REPO_ROOT, 'docs/doctest/assert.js')).split('\\').join('/');

const fence = (code: string, line = 10): Fence => ({
  source: 'docs/t.md',
  line,
  code,
  skip: undefined,
});
let counter = 0;

/** Rewrites `code`, writes it as a module and runs it. */
async function run(code: string, line = 10): Promise<void> {
  const { text } = rewriteFence(fence(code, line), { helper });
  const file = join(dir, `s${counter++}.ts`);
  writeFileSync(file, text);
  const mod = (await import(pathToFileURL(file).href)) as { run: () => Promise<void> };
  await mod.run();
}

describe('parseAssertionComment', () => {
  test('exact, approximate and tolerance forms', () => {
    expect(parseAssertionComment('// => [37, 37]')).toEqual({
      kind: 'exact',
      expected: '[37, 37]',
      atol: 1e-6,
    });
    expect(parseAssertionComment('//=> 1')).toEqual({ kind: 'exact', expected: '1', atol: 1e-6 });
    expect(parseAssertionComment('// ≈ 0.833333')).toEqual({
      kind: 'approx',
      expected: '0.833333',
      atol: 1e-6,
    });
    expect(parseAssertionComment('// => ~0.5')).toEqual({
      kind: 'approx',
      expected: '0.5',
      atol: 1e-6,
    });
    expect(parseAssertionComment('// ≈ [0.5, 1] ± 1e-3')).toEqual({
      kind: 'approx',
      expected: '[0.5, 1]',
      atol: 1e-3,
    });
    expect(parseAssertionComment('// just a comment')).toBeUndefined();
    expect(() => parseAssertionComment('// =>')).toThrow('has no expected value');
  });
});

describe('rewriteFence', () => {
  test('hoists imports to line 1, wraps the rest in run() line for line, counts checks', () => {
    const code = [
      'const a = 1;', // fence line 0 → source line 11
      'import {', //
      '  join,', //
      "} from 'node:path'; // a comment", //
      'a; // => 1', // source line 15
      "join('a', 'b') // => 'a/b'", // source line 16
    ].join('\n');
    const { text, assertions } = rewriteFence(fence(code), { helper: './assert.js' });
    expect(assertions).toBe(2);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(
      /^\/\* Generated from docs\/t\.md:10 .*\*\/ import .* from 'vitest'; .* import \{ join, \} from 'node:path'; export async function run\(\): Promise<void> \{$/,
    );
    // Generated line g comes from source line 10 + g - 1.
    expect(lines[1]).toBe('const a = 1;');
    expect(lines.slice(2, 5)).toEqual(['', '', ' // a comment']);
    expect(lines[5]).toBe('__doctestExpect(await (a), "docs/t.md:15: a").toEqual(1); // => 1');
    expect(sourceLineOf(10, 6)).toBe(15);
    expect(lines[6]).toMatch(/^__doctestExpect\(await \(join\('a', 'b'\)\), "docs\/t\.md:16: /);
    expect(lines.slice(7)).toEqual(['}', '']);
  });

  test('a multi-line check keeps its line count', () => {
    const { text } = rewriteFence(fence('[1,\n 2,\n 3].length; // => 3\nx;'), { helper: 'h' });
    const lines = text.split('\n');
    expect(lines[3]).toMatch(
      /^ 3\]\.length\), "docs\/t\.md:11: \[1, 2, 3\]\.length"\)\.toEqual\(3\); \/\/ => 3$/,
    );
    expect(lines[4]).toBe('x;');
  });

  test('passing checks run: exact, approximate, multi-line, no semicolon, promises', async () => {
    await run(
      [
        'const xs = [1, 2, 3];',
        'xs.map((x) => x * 2); // => [2, 4, 6]',
        'xs.reduce(',
        '  (s, x) => s + x,',
        '  0,',
        '); // => 6',
        '0.1 + 0.2 // ≈ 0.3',
        'const pair = [0.1 + 0.2, { a: 1 / 3 }];',
        'pair; // => ~[0.3, { a: 0.333333 }]',
        'Promise.resolve({ ok: true }); // => { ok: true }',
        'new Float32Array([0.5]); // ≈ [0.5]',
        "function sync() { return 'x'; } // not an assertion",
        "sync(); // => 'x'",
      ].join('\n'),
    );
  });

  test('a wrong exact value fails, naming the source line and expression', async () => {
    await expect(run('const a = [1, 2];\na.length; // => 3', 40)).rejects.toThrow(
      'docs/t.md:42: a.length',
    );
  });

  test('a wrong approximate value fails beyond atol, passes within a given ±', async () => {
    await expect(run('0.5 + 1e-5; // ≈ 0.5', 1)).rejects.toThrow(
      /docs\/t\.md:2: 0\.5 \+ 1e-5\n.*expected 0\.5 ± 0\.000001/,
    );
    await run('0.5 + 1e-5; // ≈ 0.5 ± 1e-4');
  });

  test('checks inside blocks and nested functions run; sync functions are not awaited', async () => {
    await run(
      [
        'let n = 0;',
        'for (const x of [1, 2]) {',
        '  n += x; // => n',
        '}',
        'function check(v: number) {',
        '  v * 2; // => 4',
        '}',
        'check(2);',
        'await expectRejects();',
        'async function expectRejects() {',
        '  Promise.resolve(7); // => 7',
        '}',
      ].join('\n'),
    );
    const { text } = rewriteFence(fence('function f() {\n  1; // => 1\n}'), { helper: 'h' });
    expect(text).toContain('__doctestExpect((1), ');
    await expect(run('function f() {\n  1; // => 2\n}\nf();')).rejects.toThrow('docs/t.md:12: 1');
  });

  test('an assertion comment nothing would check is an error at its line', () => {
    expect(() => rewriteFence(fence('const a = 1; // => 1'), { helper: 'h' })).toThrow(
      /docs\/t\.md:11: assertion comment is not at the end of an expression statement/,
    );
    expect(() => rewriteFence(fence('f();\n// => 1'), { helper: 'h' })).toThrow(DoctestSyntaxError);
    expect(() => rewriteFence(fence('x; // =>'), { helper: 'h' })).toThrow('has no expected value');
  });

  test('comments and strings that merely contain => are left alone', async () => {
    await run(
      "const s = '// => 2'; // a note => not a check\ns.length; // => 7\n`${'// => 3'}`.length; // => 7",
    );
  });

  test('snippets that export or do not parse are errors', () => {
    expect(() => rewriteFence(fence('export const a = 1;'), { helper: 'h' })).toThrow(
      'docs/t.md:11: a doctest snippet cannot export anything',
    );
    expect(() => rewriteFence(fence('const = ;'), { helper: 'h' })).toThrow(
      /docs\/t\.md:11: does not parse/,
    );
  });
});

describe('leaks', () => {
  test('a snippet that leaves a tensor alive fails under withNoLeaks', async () => {
    const { withNoLeaks } = await import('@patchfx/test-utils');
    await expect(
      withNoLeaks(() =>
        run("import * as tf from '@tensorflow/tfjs-core';\ntf.zeros([2]).shape; // => [2]"),
      ),
    ).rejects.toThrow('tensor leak: 1 tensor(s)');
    await withNoLeaks(() =>
      run(
        "import * as tf from '@tensorflow/tfjs-core';\nconst t = tf.zeros([2]);\nt.shape; // => [2]\nt.dispose();",
      ),
    );
  });
});
