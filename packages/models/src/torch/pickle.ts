/**
 * A safe interpreter for a subset of Python's pickle format (protocols 0–5, as `torch.save`
 * writes them). It never runs code: every global the pickle names is resolved through the
 * caller's allow-list, which decides what calling it (`REDUCE`, `NEWOBJ`) builds. Browser-safe.
 *
 * Values: `None` → `null`, `bool` → boolean, `int` → number (bigint beyond 2^53), `float` →
 * number, `str` → string, `bytes` → `Uint8Array`, `list` → array, `tuple` → frozen array,
 * `dict`/`OrderedDict` → `Map`, `set`/`frozenset` → `Set`.
 */

/** A global (`module.name`) that the allow-list resolved. */
export interface PickleGlobal {
  readonly module: string;
  readonly name: string;
  /**
   * What calling the global (`REDUCE`, `NEWOBJ`) returns. Absent: the global may only be
   * passed around as a value (e.g. a storage type), and calling it is refused.
   */
  readonly call?: (args: readonly unknown[]) => unknown;
}

/** Hooks of {@link unpickle}. */
export interface UnpickleOptions {
  /** Resolves a global; throws to refuse it. */
  readonly findGlobal: (module: string, name: string) => PickleGlobal;
  /** Resolves a persistent id (`BINPERSID`); absent: persistent ids are refused. */
  readonly persistentLoad?: (pid: unknown) => unknown;
  /**
   * Applies `BUILD` (`obj.__setstate__(state)`); returns the object to keep. Absent: only
   * `BUILD` on a `Map` (an `OrderedDict`'s attributes, which are dropped) is accepted.
   */
  readonly build?: (obj: unknown, state: unknown) => unknown;
  /** Names the source in error messages. */
  readonly where?: string;
}

/** What {@link unpickle} returns: the value and the offset just after its `STOP`. */
export interface Unpickled {
  readonly value: unknown;
  readonly end: number;
}

const NAME_FIXES: Readonly<Record<string, string>> = Object.freeze({
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
});

function toNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** Two's-complement little-endian integer of `bytes`. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return toNumber(v);
}

function decodeRawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4: string, u8: string) =>
    String.fromCodePoint(parseInt(u4 ?? u8, 16)),
  );
}

/**
 * Unpickles one value starting at `offset`.
 *
 * @throws On malformed input, unsupported opcodes, globals the allow-list refuses, calls of
 *   non-callable globals and `BUILD` on objects without a handler. Nothing is executed.
 */
export function unpickle(bytes: Uint8Array, offset: number, options: UnpickleOptions): Unpickled {
  const where = options.where ?? 'pickle';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = offset;
  let opStart = p;

  const fail = (what: string) => new Error(`${where}: ${what} (pickle byte ${opStart})`);
  const need = (n: number) => {
    if (n < 0 || p + n > bytes.length) throw fail('unexpected end of data');
  };
  const u8 = () => (need(1), bytes[p++]);
  const u16 = () => (need(2), (p += 2), view.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), view.getUint32(p - 4, true));
  const i32 = () => (need(4), (p += 4), view.getInt32(p - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(bytes.length)) throw fail('length field larger than the data');
    return Number(v);
  };
  const take = (n: number) => (need(n), (p += n), bytes.subarray(p - n, p));
  const line = () => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) throw fail('unterminated text line');
    const s = latin1.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const text = (b: Uint8Array) => {
    try {
      return utf8.decode(b);
    } catch {
      throw fail('invalid UTF-8 in a string');
    }
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) {
      throw fail('stack underflow');
    }
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw fail('no MARK on the stack');
    return stack.splice(m);
  };
  const push = (v: unknown) => stack.push(v);
  const memoGet = (k: number) => {
    if (!memo.has(k)) throw fail(`memo key ${k} is not set`);
    return memo.get(k);
  };
  const isGlobal = (v: unknown): v is PickleGlobal =>
    typeof v === 'object' && v !== null && 'module' in v && 'name' in v && !(v instanceof Map);
  const callGlobal = (fn: unknown, args: unknown) => {
    if (!isGlobal(fn)) throw fail('REDUCE/NEWOBJ of something that is not a global');
    if (!fn.call) {
      throw fail(`refusing to call '${fn.module}.${fn.name}': it may only be used as a value`);
    }
    if (!Array.isArray(args)) throw fail(`arguments of '${fn.module}.${fn.name}' are not a tuple`);
    try {
      return fn.call(args);
    } catch (e) {
      throw fail(`${fn.module}.${fn.name}: ${(e as Error).message}`);
    }
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof Map)) throw fail('SETITEM(S) on something that is not a dict');
    if (items.length % 2) throw fail('odd number of items in SETITEMS');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list) || Object.isFrozen(list)) {
      throw fail('APPEND(S) on something that is not a list');
    }
    list.push(...items);
  };
  const resolveGlobal = (module: string, name: string) => {
    const m = NAME_FIXES[module] ?? module;
    return options.findGlobal(m, name);
  };

  for (;;) {
    opStart = p;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) throw fail('malformed pickle at STOP');
        return { value: stack[0], end: p };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        if (marks.length && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x49: {
        // INT (text); protocol 0 writes booleans as I01/I00
        const s = line();
        if (s === '01' || s === '00') push(s === '01');
        else if (/^[-+]?\d+$/.test(s)) push(toNumber(BigInt(s)));
        else throw fail(`bad INT '${s}'`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) throw fail(`bad LONG '${s}'`);
        push(toNumber(BigInt(s)));
        break;
      }
      case 0x8a: // LONG1
        push(decodeLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        push(decodeLong(take(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(view.getFloat64(p, false));
        p += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const s = line();
        const v = Number(s === 'inf' ? 'Infinity' : s === '-inf' ? '-Infinity' : s);
        if (Number.isNaN(v) && s !== 'nan') throw fail(`bad FLOAT '${s}'`);
        push(v);
        break;
      }
      case 0x58: // BINUNICODE
        push(text(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(text(take(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape line)
        push(decodeRawUnicodeEscape(line()));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str)
        const n = i32();
        push(latin1.decode(take(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(take(u8())));
        break;
      case 0x53: {
        // STRING (quoted repr)
        const s = line();
        const m = /^(['"])(.*)\1$/.exec(s);
        if (!m || m[2].includes('\\')) throw fail('unsupported STRING literal');
        push(m[2]);
        break;
      }
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(take(u64()).slice());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        push(Object.freeze([]));
        break;
      case 0x74: // TUPLE
        push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
        push(Object.freeze([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(Object.freeze([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(Object.freeze([a, b, c]));
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map();
        setItems(d, items);
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) throw fail('ADDITEMS on something that is not a set');
        for (const v of items) s.add(v);
        break;
      }
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        push(memoGet(Number(line())));
        break;
      case 0x68: // BINGET
        push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(u32()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw fail('STACK_GLOBAL needs two strings');
        }
        push(resolveGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(callGlobal(fn, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        push(callGlobal(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof Map) || kwargs.size) throw fail('NEWOBJ_EX with keyword arguments');
        push(callGlobal(cls, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = pop();
        if (options.build) {
          try {
            push(options.build(obj, state));
          } catch (e) {
            throw fail((e as Error).message);
          }
        } else if (obj instanceof Map) push(obj);
        else throw fail('BUILD (setstate) on an unsupported object');
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) throw fail('persistent ids are not allowed here');
        try {
          push(options.persistentLoad(pid));
        } catch (e) {
          throw fail((e as Error).message);
        }
        break;
      }
      case 0x50: {
        // PERSID (text)
        const pid = line();
        if (!options.persistentLoad) throw fail('persistent ids are not allowed here');
        push(options.persistentLoad(pid));
        break;
      }
      case 0x69: // INST
      case 0x6f: // OBJ
        throw fail('refusing INST/OBJ: the pickle instantiates a class directly');
      case 0x82:
      case 0x83:
      case 0x84:
        throw fail('refusing EXT opcodes (copyreg extension registry)');
      case 0x97:
      case 0x98:
        throw fail('out-of-band buffers (protocol 5) are not supported');
      default:
        throw fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
