import { describe, expect, test } from 'vitest';
import { DoctestSyntaxError, findFences, findMarkdownFences, findTsDocFences } from './fences.js';

describe('findMarkdownFences', () => {
  test('finds ts doctest fences with their opening line, and leaves plain fences', () => {
    const md = [
      '# Title', // 1
      '', // 2
      '```ts', // 3
      'shown();', // 4
      '```', // 5
      '', // 6
      '```ts doctest', // 7
      'const a = 1;', // 8
      'a; // => 1', // 9
      '```', // 10
      '```typescript doctest skip="needs tfjs-node"', // 11
      'await heavy();', // 12
      '```', // 13
    ].join('\n');
    expect(findMarkdownFences(md, 'docs/x.md')).toEqual([
      { source: 'docs/x.md', line: 7, code: 'const a = 1;\na; // => 1', skip: undefined },
      { source: 'docs/x.md', line: 11, code: 'await heavy();', skip: 'needs tfjs-node' },
    ]);
  });

  test('ignores a doctest fence shown inside a longer outer fence', () => {
    const md = [
      '````md',
      '```ts doctest',
      'x; // => 1',
      '```',
      '````',
      '```ts doctest',
      'y;',
      '```',
    ];
    const fences = findMarkdownFences(md.join('\n'), 'a.md');
    expect(fences.map((f) => [f.line, f.code])).toEqual([[6, 'y;']]);
  });

  test('un-indents a fence inside a list item, and accepts tildes', () => {
    const md = [
      '- step',
      '   ```ts doctest',
      '   const a = [',
      '     1,',
      '   ];',
      '   ```',
      '~~~ts doctest',
      'z;',
      '~~~',
    ];
    const fences = findMarkdownFences(md.join('\n'), 'a.md');
    expect(fences.map((f) => f.code)).toEqual(['const a = [\n  1,\n];', 'z;']);
  });

  test('rejects malformed doctest fences with their location', () => {
    expect(() => findMarkdownFences('\n```js doctest\nx\n```', 'a.md')).toThrow(
      "a.md:2: doctest fences must be 'ts' (got 'js')",
    );
    expect(() => findMarkdownFences('```ts doctest skip\nx\n```', 'a.md')).toThrow(
      /a\.md:1: unknown doctest attributes 'skip'/,
    );
    expect(() => findMarkdownFences('```ts doctests\nx\n```', 'a.md')).toThrow(
      "'doctest' must directly follow the language",
    );
    expect(() => findMarkdownFences('```ts doctest\nx', 'a.md')).toThrow(DoctestSyntaxError);
  });
});

describe('findTsDocFences', () => {
  test('reads fences out of /** */ comments, at their .ts line, keeping code indentation', () => {
    const ts = [
      'import x from "y";', // 1
      '/**', // 2
      ' * Summary.', // 3
      ' *', // 4
      ' * @example', // 5
      ' * ```ts doctest', // 6
      " * import { f } from '@patchfx/models';", // 7
      ' * if (f()) {', // 8
      ' *   f(); // => 2', // 9
      ' * }', // 10
      ' * ```', // 11
      ' */', // 12
      'export function f() {}', // 13
      '// ```ts doctest in a line comment is not a fence', // 14
      '/* ```ts doctest in a block comment neither */', // 15
    ].join('\n');
    expect(findTsDocFences(ts, 'packages/p/src/f.ts')).toEqual([
      {
        source: 'packages/p/src/f.ts',
        line: 6,
        code: "import { f } from '@patchfx/models';\nif (f()) {\n  f(); // => 2\n}",
        skip: undefined,
      },
    ]);
  });

  test('findFences dispatches on the extension', () => {
    expect(findFences('```ts doctest\n1;\n```', 'a.md')).toHaveLength(1);
    expect(findFences('/**\n * ```ts doctest\n * 1;\n * ```\n */', 'a.ts')).toHaveLength(1);
    expect(() => findFences('', 'a.js')).toThrow('not a .md or .ts file');
  });
});
