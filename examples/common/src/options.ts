/**
 * Reference-style options (`--which_model_netD xception_block2`), with an optional YAML config
 * as the first positional argument (`opt.yml`) whose keys the command line overrides, typo
 * suggestions for unknown keys, and the reference's name templating.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/** One option: its type, default and help. */
export interface OptionSpec {
  readonly type: 'string' | 'number' | 'boolean' | 'list';
  readonly default: string | number | boolean | null | readonly string[];
  readonly help: string;
  /** Allowed values (strings). */
  readonly choices?: readonly string[];
  /** Single-letter alias. */
  readonly short?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;
export type OptionValue = string | number | boolean | null | string[];
export type Options = Record<string, OptionValue>;

/** Parsed options and which keys were given explicitly on the command line. */
export interface ParsedOptions {
  readonly values: Options;
  readonly explicit: ReadonlySet<string>;
  readonly positionals: readonly string[];
  /** The YAML config the values came from, if any. */
  readonly configPath: string | null;
}

/** Levenshtein distance (for "did you mean"). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length][b.length];
}

/** The closest known key to `key`, if reasonably close. */
export function suggest(key: string, known: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best != null && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

function unknownKeyError(key: string, specs: OptionSpecs, where: string): Error {
  const s = suggest(key, Object.keys(specs));
  return new Error(
    `unknown option '${key}' in ${where}` +
      (s ? `; did you mean '${s}'?` : `; run with --help to list the options`),
  );
}

/** Converts a raw value to the option's type, with an error naming the option and source. */
export function coerce(key: string, spec: OptionSpec, raw: unknown, where: string): OptionValue {
  const fail = (what: string) =>
    new Error(`option '${key}' in ${where}: ${what}, got ${JSON.stringify(raw)}`);
  if (raw === null || raw === undefined) return null;
  let v: OptionValue;
  switch (spec.type) {
    case 'boolean':
      if (typeof raw === 'boolean') v = raw;
      else if (raw === 'true' || raw === 'false') v = raw === 'true';
      else throw fail('expected true or false');
      break;
    case 'number': {
      const n =
        typeof raw === 'number' ? raw : raw === 'inf' || raw === '.inf' ? Infinity : Number(raw);
      if (
        typeof raw === 'boolean' ||
        Number.isNaN(n) ||
        (typeof raw === 'string' && raw.trim() === '')
      )
        throw fail('expected a number');
      v = n;
      break;
    }
    case 'list':
      v = Array.isArray(raw)
        ? raw.map(String)
        : String(raw)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
      break;
    default:
      if (typeof raw === 'object') throw fail('expected a string');
      v = String(raw);
  }
  if (spec.choices && typeof v === 'string' && !spec.choices.includes(v)) {
    throw fail(`expected one of ${spec.choices.map((c) => `'${c}'`).join(' | ')}`);
  }
  return v;
}

/** Reads a YAML options file, rejecting unknown keys (with suggestions) and bad types. */
export function readYamlOptions(path: string, specs: OptionSpecs): Options {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read config '${path}': ${(e as Error).message}`);
  }
  if (doc == null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(`config '${path}' must be a YAML mapping of option: value`);
  const out: Options = {};
  for (const [k, raw] of Object.entries(doc as Record<string, unknown>)) {
    const spec = specs[k];
    if (!spec) throw unknownKeyError(k, specs, `config '${path}'`);
    out[k] = coerce(k, spec, raw, `config '${path}'`);
  }
  return out;
}

/** The `--help` (`-h`) option: every program takes it through {@link parseOptions}. */
export const HELP_OPTION: OptionSpec = Object.freeze({
  type: 'boolean',
  default: false,
  short: 'h',
  help: 'show this help and exit',
});

/**
 * Thrown by {@link parseOptions} when the command line asks for `--help` (or `-h`); `runMain`
 * prints {@link HelpRequested.text} on stdout and exits 0.
 */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super('help requested (print HelpRequested.text and exit 0)');
    this.name = 'HelpRequested';
  }
}

/** Whether an argument list asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * Parses the command line: `[config.yml] [positionals…] --option value …`. Each option's value
 * comes from the command line if given there, else the YAML config, else the default.
 *
 * Every program takes `--help` / `-h` here: it throws {@link HelpRequested} with the usage line
 * and one line per option (`specs` plus `--help`), which `runMain` prints before exiting 0.
 *
 * @param program - The npm script name (`npm run <program> --`), also used in error messages.
 * @param usage - The arguments part of the usage line. @defaultValue `'[options]'`
 * @throws HelpRequested on `--help` / `-h`; Error on an unknown option (with a suggestion) or a
 *   value of the wrong type.
 */
export function parseOptions(
  specs: OptionSpecs,
  argv: readonly string[],
  program: string,
  usage = '[options]',
): ParsedOptions {
  if (wantsHelp(argv))
    throw new HelpRequested(
      helpText(`npm run ${program} --`, usage, { ...specs, help: HELP_OPTION }),
    );
  const parseSpec: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
  > = {};
  for (const [k, s] of Object.entries(specs)) {
    parseSpec[k] = {
      type: s.type === 'boolean' ? 'boolean' : 'string',
      ...(s.short ? { short: s.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: parseSpec,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const m = /Unknown option '--?([^']+)'/.exec((e as Error).message);
    if (m) throw unknownKeyError(m[1], specs, `the command line of ${program}`);
    throw new Error(`${program}: ${(e as Error).message}`);
  }
  const positionals = [...parsed.positionals];
  let configPath: string | null = null;
  let fromYaml: Options = {};
  if (positionals[0] && /\.ya?ml$/i.test(positionals[0])) {
    configPath = positionals.shift()!;
    fromYaml = readYamlOptions(configPath, specs);
  }
  const values: Options = {};
  const explicit = new Set<string>();
  for (const [k, s] of Object.entries(specs)) {
    const cli = (parsed.values as Record<string, unknown>)[k];
    if (cli !== undefined) {
      values[k] = coerce(k, s, cli, 'the command line');
      explicit.add(k);
    } else if (k in fromYaml) values[k] = fromYaml[k];
    else values[k] = (Array.isArray(s.default) ? [...s.default] : s.default) as OptionValue;
  }
  return { values, explicit, positionals, configPath };
}

/** Python `str.format(**options)` for `{key}` placeholders (the reference's name templates). */
export function formatTemplate(template: string, values: Options): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, key: string) => {
    if (!(key in values)) {
      const s = suggest(key, Object.keys(values));
      throw new Error(
        `unknown placeholder '{${key}}' in '${template}'` + (s ? `; did you mean '{${s}}'?` : ''),
      );
    }
    const v = values[key];
    return Array.isArray(v) ? v.join(',') : String(v);
  });
}

/**
 * The reference's run name (spec §2.5): `{model}_{which_model_netD}_size{fineSize}` when `name`
 * is empty, else `name.format(**opt)`; then `_` + suffix and prefix + `-`, both formatted and then
 * cleared so a reloaded `opt.yml` does not apply them twice.
 */
export function expandName(values: Options): Options {
  const out = { ...values };
  let name = String(out.name ?? '');
  name =
    name === ''
      ? formatTemplate('{model}_{which_model_netD}_size{fineSize}', out)
      : formatTemplate(name, out);
  if (out.suffix) name = `${name}_${formatTemplate(String(out.suffix), out)}`;
  if (out.prefix) name = `${formatTemplate(String(out.prefix), out)}-${name}`;
  out.name = name;
  out.suffix = '';
  out.prefix = '';
  return out;
}

/** Serialises options as the reference's `opt.yml` (every option, final values). */
export function toYaml(values: Options): string {
  const clean = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, v === Infinity ? Infinity : v]),
  );
  return stringifyYaml(clean, { lineWidth: 0 });
}

/**
 * `--help` text: the usage line, then one line per option: flag, type, description, allowed
 * values and default.
 */
export function helpText(program: string, usage: string, specs: OptionSpecs): string {
  const flags = Object.entries(specs).map(
    ([k, s]) =>
      `--${k}${s.short ? `, -${s.short}` : ''}${s.type === 'boolean' ? '' : ` <${s.type}>`}`,
  );
  const width = Math.min(32, Math.max(...flags.map((f) => f.length)));
  const lines = [`usage: ${program} ${usage}`, '', 'options:'];
  Object.values(specs).forEach((s, i) => {
    const def =
      s.default === null || s.default === '' || s.default === false
        ? ''
        : ` [default: ${Array.isArray(s.default) ? s.default.join(',') : String(s.default)}]`;
    const choices = s.choices ? ` (${s.choices.join(' | ')})` : '';
    lines.push(`  ${flags[i].padEnd(width)}  ${s.help}${choices}${def}`);
  });
  return lines.join('\n');
}
