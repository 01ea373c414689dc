/**
 * `npm run typecheck:docs`: writes the doctest modules (see `extract.ts`), then type-checks them
 * with `tsconfig.doctest.json`, reporting errors in snippets at their line in the Markdown or
 * TypeScript file they come from. Exits 1 on any error.
 */
import { join, relative } from 'node:path';
import ts from 'typescript';
import { extractAll, REPO_ROOT } from './extract.js';
import { sourceLineOf } from './rewrite.js';

const snippets = new Map(extractAll().map((s) => [s.file, s]));

const configPath = join(REPO_ROOT, 'tsconfig.doctest.json');
const config = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  },
})!;
const program = ts.createProgram({
  rootNames: config.fileNames,
  options: config.options,
  projectReferences: config.projectReferences,
});
const diagnostics = [...config.errors, ...ts.getPreEmitDiagnostics(program)];

for (const d of diagnostics) {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) {
    console.error(`error TS${d.code}: ${message}`);
    continue;
  }
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const snippet =
    snippets.get(d.file.fileName) ??
    snippets.get(join(REPO_ROOT, relative(REPO_ROOT, d.file.fileName)));
  const generated = `${relative(REPO_ROOT, d.file.fileName)}:${line + 1}:${character + 1}`;
  const where = snippet
    ? `${snippet.source}:${sourceLineOf(snippet.line, line + 1)} (${generated})`
    : generated;
  console.error(`${where}: error TS${d.code}: ${message}`);
}
const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length;
console.log(`typecheck:docs: ${snippets.size} snippets, ${errors} error(s)`);
process.exit(errors > 0 ? 1 : 0);
