/**
 * Finds executable code fences in Markdown files and in TSDoc comments of TypeScript files.
 *
 * A fence opened as ```` ```ts doctest ```` is executed; ```` ```ts doctest skip="reason" ```` is
 * type-checked but not run; any other fence is shown only (STYLE.md §H). Fences nested inside a
 * longer outer fence (a page showing how to write a doctest) are not executed.
 */

/** One `ts doctest` fence. */
export interface Fence {
  /** Path of the file it was found in, relative to the repository root, with `/` separators. */
  readonly source: string;
  /** 1-based line of the opening ```` ``` ```` in that file. */
  readonly line: number;
  /** The code between the fences, with TSDoc's leading ` * ` removed. */
  readonly code: string;
  /** Why the fence is not run, when it is marked `skip="…"`; `undefined` when it is run. */
  readonly skip: string | undefined;
}

/** An error located at a line of a source file. */
export class DoctestSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    message: string,
  ) {
    super(`${source}:${line}: ${message}`);
    this.name = 'DoctestSyntaxError';
  }
}

const OPEN = /^(\s*)(`{3,}|~{3,})\s*(.*)$/;
const TS_LANGS = new Set(['ts', 'typescript']);

/** Parses the info string after `doctest`: nothing, or `skip="reason"`. */
function parseAttributes(rest: string, source: string, line: number): string | undefined {
  const trimmed = rest.trim();
  if (trimmed === '') return undefined;
  const m = /^skip="([^"]+)"$/.exec(trimmed);
  if (!m) {
    throw new DoctestSyntaxError(
      source,
      line,
      `unknown doctest attributes '${trimmed}' (allowed: nothing, or skip="reason")`,
    );
  }
  return m[1];
}

/**
 * Finds the `ts doctest` fences in Markdown text.
 *
 * @param text - The Markdown.
 * @param source - The file's path, for locations and errors.
 * @param firstLine - The file line of `text`'s first line (for text cut out of a larger file).
 * @returns The fences, in order.
 * @throws DoctestSyntaxError on a `doctest` fence in another language, a malformed attribute
 *   or an unclosed doctest fence.
 */
export function findMarkdownFences(text: string, source: string, firstLine = 1): Fence[] {
  const lines = text.split(/\r?\n/);
  const fences: Fence[] = [];
  let i = 0;
  while (i < lines.length) {
    const open = OPEN.exec(lines[i]);
    if (!open) {
      i++;
      continue;
    }
    const [, indent, marker, info] = open;
    const lineNo = firstLine + i;
    // A backtick fence's info string may not contain backticks (CommonMark); then it is not a fence.
    if (marker[0] === '`' && info.includes('`')) {
      i++;
      continue;
    }
    const words = info.trim().split(/\s+/);
    const lang = words[0] ?? '';
    const isDoctest = words[1] === 'doctest' || /^doctest\b/.test(words[1] ?? '');
    let skip: string | undefined;
    if (isDoctest) {
      if (!TS_LANGS.has(lang)) {
        throw new DoctestSyntaxError(
          source,
          lineNo,
          `doctest fences must be 'ts' (got '${lang || '(none)'}')`,
        );
      }
      if (words[1] !== 'doctest') {
        throw new DoctestSyntaxError(source, lineNo, `malformed doctest fence '${info.trim()}'`);
      }
      skip = parseAttributes(
        info.trim().slice(lang.length).trim().slice('doctest'.length),
        source,
        lineNo,
      );
    } else if (words.some((w) => /^doctest/.test(w))) {
      throw new DoctestSyntaxError(
        source,
        lineNo,
        `'doctest' must directly follow the language: \`\`\`ts doctest (got '${info.trim()}')`,
      );
    }
    // Find the closing fence: same character, at least as long, nothing after it.
    const close = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j])) j++;
    if (j >= lines.length && isDoctest) {
      throw new DoctestSyntaxError(source, lineNo, 'doctest fence is never closed');
    }
    if (isDoctest) {
      const body = lines.slice(i + 1, j).map((l) => stripIndent(l, indent.length));
      fences.push({ source, line: lineNo, code: body.join('\n'), skip });
    }
    i = j + 1;
  }
  return fences;
}

/** Removes up to `n` leading spaces (a fence indented inside a list item). */
function stripIndent(line: string, n: number): string {
  let k = 0;
  while (k < n && line[k] === ' ') k++;
  return line.slice(k);
}

/**
 * Finds the `ts doctest` fences in the `/** … *\/` comments of a TypeScript file.
 *
 * @param text - The TypeScript source.
 * @param source - The file's path, for locations and errors.
 * @returns The fences, in order, located at their lines in the `.ts` file.
 */
export function findTsDocFences(text: string, source: string): Fence[] {
  const fences: Fence[] = [];
  const comment = /\/\*\*[\s\S]*?\*\//g;
  let m: RegExpExecArray | null;
  while ((m = comment.exec(text)) !== null) {
    if (!m[0].includes('doctest')) continue;
    const startLine = countNewlines(text, m.index) + 1;
    const lines = m[0].split(/\r?\n/);
    // First line is `/**` (plus anything after it), last ends with `*/`.
    const inner = lines.map((l, k) => {
      if (k === 0) return '';
      const withoutEnd = k === lines.length - 1 ? l.replace(/\s*\*\/$/, '') : l;
      return withoutEnd.replace(/^\s*\*(?: |$)/, '');
    });
    fences.push(...findMarkdownFences(inner.join('\n'), source, startLine));
  }
  return fences;
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let k = 0; k < end; k++) if (text.charCodeAt(k) === 10) n++;
  return n;
}

/**
 * Finds the fences of one file, by its extension: `.md` as Markdown, `.ts` by its TSDoc comments.
 */
export function findFences(text: string, source: string): Fence[] {
  if (source.endsWith('.md')) return findMarkdownFences(text, source);
  if (source.endsWith('.ts')) return findTsDocFences(text, source);
  throw new Error(`${source}: not a .md or .ts file`);
}
