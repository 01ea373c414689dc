/**
 * Turns a doctest fence into a module: `import` declarations go to the top, everything else
 * runs inside `export async function run()` (line for line: line `k + 1` of the module is line
 * `k` of the fence), and every statement that ends in an assertion comment becomes a check:
 *
 * - `expr; // => value` → `expect(await (expr)).toEqual(value)` (exact deep equality);
 * - `expr; // ≈ value` or `expr; // => ~value` → approximate (numbers, arrays and nested objects
 *   of numbers) with atol 1e-6, or the atol written after `±`: `// ≈ 0.83 ± 0.01`.
 *
 * The statement is found with the TypeScript parser, so `expr` may span lines and the semicolon
 * may be left out. An assertion comment anywhere else (after a declaration, on its own line) is
 * an error rather than silently unchecked. Inside a nested function that is not `async`, the
 * value is not awaited.
 */
import ts from 'typescript';
import { DoctestSyntaxError, type Fence } from './fences.js';

/** The default absolute tolerance of `// ≈` checks. */
export const DEFAULT_ATOL = 1e-6;

const ASSERTION = /^\/\/\s*(=>|≈)\s?(.*)$/;

/** One assertion comment, parsed. */
export interface Assertion {
  readonly kind: 'exact' | 'approx';
  /** The expected value, as TypeScript source. */
  readonly expected: string;
  /** The absolute tolerance (approximate checks only). */
  readonly atol: number;
}

/**
 * Parses the text of a `//` comment as an assertion.
 *
 * @returns The assertion, or `undefined` when the comment is not one.
 * @throws Error when it starts like one but has no value.
 */
export function parseAssertionComment(comment: string): Assertion | undefined {
  const m = ASSERTION.exec(comment.trim());
  if (!m) return undefined;
  const arrow = m[1];
  let rest = m[2].trim();
  let kind: Assertion['kind'] = arrow === '≈' ? 'approx' : 'exact';
  if (kind === 'exact' && rest.startsWith('~')) {
    kind = 'approx';
    rest = rest.slice(1).trim();
  }
  let atol = DEFAULT_ATOL;
  if (kind === 'approx') {
    const tol = /^(.*?)\s*±\s*([0-9.eE+-]+)$/.exec(rest);
    if (tol) {
      rest = tol[1];
      atol = Number(tol[2]);
      if (!Number.isFinite(atol) || atol < 0) throw new Error(`bad tolerance '${tol[2]}'`);
    }
  }
  if (rest === '') throw new Error(`assertion '${comment.trim()}' has no expected value`);
  return { kind, expected: rest, atol };
}

/** What {@link rewriteFence} produces. */
export interface RewrittenFence {
  /** The module's source text. */
  readonly text: string;
  /** How many assertions it checks. */
  readonly assertions: number;
}

/** Options of {@link rewriteFence}. */
export interface RewriteOptions {
  /** Module specifier of `assert.ts` as seen from the generated file. */
  readonly helper: string;
}

/** Names the generated code uses; unlikely to clash with a snippet's own. */
const EXPECT = '__doctestExpect';
const CLOSE = '__doctestExpectClose';

/**
 * Rewrites one fence into a runnable, type-checkable module (see the file comment).
 *
 * @throws DoctestSyntaxError (located in the fence's source file) when the snippet does not parse,
 *   exports something, or has an assertion comment that is not at the end of an expression
 *   statement.
 */
export function rewriteFence(fence: Fence, options: RewriteOptions): RewrittenFence {
  const code = fence.code;
  const file = ts.createSourceFile(
    'snippet.ts',
    code,
    ts.ScriptTarget.ES2022,
    true,
    ts.ScriptKind.TS,
  );
  // Lines of the fence body start one line after the opening ``` line.
  const lineOf = (pos: number) => fence.line + 1 + file.getLineAndCharacterOfPosition(pos).line;
  const fail = (pos: number, message: string): never => {
    throw new DoctestSyntaxError(fence.source, lineOf(pos), message);
  };

  const { diagnostics = [] } = ts.transpileModule(code, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  const syntax = diagnostics.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntax) {
    fail(
      syntax.start ?? 0,
      `does not parse: ${ts.flattenDiagnosticMessageText(syntax.messageText, '\n')}`,
    );
  }

  // Every assertion comment, by position, so that unused ones can be reported. Comments live in
  // the trivia around tokens: a token's trailing comments (same line) and leading ones (after).
  const comments = new Map<number, { end: number; assertion: Assertion }>();
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (r.kind !== ts.SyntaxKind.SingleLineCommentTrivia || comments.has(r.pos)) continue;
      let assertion: Assertion | undefined;
      try {
        assertion = parseAssertionComment(code.slice(r.pos, r.end));
      } catch (e) {
        fail(r.pos, (e as Error).message);
      }
      if (assertion) comments.set(r.pos, { end: r.end, assertion });
    }
  };
  const tokens = (node: ts.Node): void => {
    if (ts.isJSDoc(node)) return;
    const children = node.getChildren(file);
    if (children.length === 0) {
      collect(ts.getLeadingCommentRanges(code, node.pos));
      collect(ts.getTrailingCommentRanges(code, node.end));
      return;
    }
    children.forEach(tokens);
  };
  collect(ts.getLeadingCommentRanges(code, 0));
  tokens(file);

  // Edits: [start, end, replacement], each inside one top-level statement.
  const edits: Array<[number, number, string]> = [];
  const used = new Set<number>();

  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node)) {
      const trailing = ts.getTrailingCommentRanges(code, node.end) ?? [];
      const first = trailing[0];
      const hit = first && comments.get(first.pos);
      if (hit) {
        used.add(first.pos);
        const expr = node.expression.getText(file);
        const awaited = canAwait(node) ? `await (${expr})` : `(${expr})`;
        const where = JSON.stringify(
          `${fence.source}:${lineOf(node.getStart(file))}: ${oneLine(expr)}`,
        );
        const check =
          hit.assertion.kind === 'exact'
            ? `${EXPECT}(${awaited}, ${where}).toEqual(${hit.assertion.expected});`
            : `${CLOSE}(${awaited}, ${hit.assertion.expected}, ${hit.assertion.atol}, ${where});`;
        // The comment itself stays, after the check, for whoever reads the generated file.
        edits.push([node.getStart(file), node.end, check]);
        return; // an assertion statement has no nested statements worth visiting
      }
    }
    ts.forEachChild(node, visit);
  };
  file.statements.forEach(visit);

  for (const [pos] of comments) {
    if (!used.has(pos)) {
      fail(
        pos,
        'assertion comment is not at the end of an expression statement, so nothing would check it ' +
          '(write `expr; // => value`)',
      );
    }
  }

  // Imports move to line 1 (printed on one line each, without comments); in the body their text
  // becomes blank lines. Checks keep the line count of the statements they replace. So line
  // `k + 1` of the generated module is line `k` of the fence: errors point at real lines.
  const printer = ts.createPrinter({ removeComments: true });
  const imports: string[] = [];
  for (const stmt of file.statements) {
    if (ts.isImportDeclaration(stmt) || ts.isImportEqualsDeclaration(stmt)) {
      imports.push(
        printer.printNode(ts.EmitHint.Unspecified, stmt, file).replace(/\s*\n\s*/g, ' '),
      );
      const text = stmt.getText(file);
      edits.push([stmt.getStart(file), stmt.end, '\n'.repeat(text.split('\n').length - 1)]);
      continue;
    }
    const mods = ts.canHaveModifiers(stmt) ? ts.getModifiers(stmt) : undefined;
    if (
      ts.isExportDeclaration(stmt) ||
      ts.isExportAssignment(stmt) ||
      mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    ) {
      fail(stmt.getStart(file), 'a doctest snippet cannot export anything');
    }
  }

  let body = '';
  let cursor = 0;
  for (const [start, end, text] of edits.sort((a, b) => a[0] - b[0])) {
    body += code.slice(cursor, start) + text;
    cursor = end;
  }
  body += code.slice(cursor);

  const firstLine = [
    `/* Generated from ${fence.source}:${fence.line} by docs/doctest/extract.ts; do not edit. */`,
    `import { expect as ${EXPECT} } from 'vitest';`,
    `import { expectClose as ${CLOSE} } from '${options.helper}';`,
    ...imports,
    'export async function run(): Promise<void> {',
  ].join(' ');
  return { text: `${firstLine}\n${body.trimEnd()}\n}\n`, assertions: used.size };
}

/** Whether `await` is allowed where `node` is: top level (inside `run`) or an async function. */
function canAwait(node: ts.Node): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (ts.isFunctionLike(p)) {
      return (ts.getCombinedModifierFlags(p as ts.Declaration) & ts.ModifierFlags.Async) !== 0;
    }
    if (ts.isClassStaticBlockDeclaration(p)) return false;
  }
  return true;
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

/**
 * The line of the source file that line `generatedLine` (1-based) of a module made by
 * {@link rewriteFence} from a fence opened at `fenceLine` comes from; line 1 (the imports) maps
 * to the opening fence.
 */
export function sourceLineOf(fenceLine: number, generatedLine: number): number {
  return generatedLine <= 1 ? fenceLine : fenceLine + generatedLine - 1;
}
