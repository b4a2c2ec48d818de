// Python's codecs for bytes <-> str: str.encode(encoding, errors) and bytes.decode(encoding, errors).
//
// Strings here are JS strings; a Python str's code points are the JS string's code points
// (`Array.from(s)`), so error positions count code points, as Python does, not UTF-16 units.
// A lone surrogate in a JS string is the same lone surrogate Python's str holds (what
// surrogateescape produces), and is encoded or refused as Python does. One thing cannot carry
// over: Python's str may hold a high surrogate followed by a low one as two code points; in a JS
// string that pair is one code point.
import { LookupError, UnicodeDecodeError, UnicodeEncodeError } from "../errno/index.js";

/** The `errors=` handlers: Python's names. */
export type ErrorHandler =
  | "strict" | "replace" | "ignore" | "surrogateescape" | "backslashreplace" | "xmlcharrefreplace";

/** One codec, as `lookup()` returns it: Python's canonical name and the two directions. */
export interface CodecInfo {
  /** Python's `codecs.lookup(x).name`: "utf-8", "iso8859-1", "ascii", "cp1252" … */
  readonly name: string;
  encode(text: string, errors?: string): Buffer;
  decode(data: Uint8Array, errors?: string): string;
}

// ---------------------------------------------------------------------------------------------
// Names: Python's normalisation and aliases (encodings.aliases) for the codecs below.

const ALIASES: Record<string, string> = {};
function alias(codec: string, names: string[]): void {
  ALIASES[codec] = codec;
  for (const n of names) ALIASES[n] = codec;
}
alias("ascii", ["646", "ansi_x3.4_1968", "ansi_x3_4_1968", "ansi_x3.4_1986", "cp367", "csascii", "ibm367",
  "iso646_us", "iso_646.irv_1991", "iso_ir_6", "us", "us_ascii"]);
alias("latin_1", ["8859", "cp819", "csisolatin1", "ibm819", "iso8859", "iso8859_1", "iso_8859_1",
  "iso_8859_1_1987", "iso_ir_100", "l1", "latin", "latin1"]);
alias("utf_8", ["u8", "utf", "utf8", "utf8_ucs2", "utf8_ucs4", "cp65001"]);
alias("utf_8_sig", []);
alias("utf_16", ["u16", "utf16"]);
alias("utf_16_le", ["unicodelittleunmarked", "utf_16le"]);
alias("utf_16_be", ["unicodebigunmarked", "utf_16be"]);
alias("utf_32", ["u32", "utf32"]);
alias("utf_32_le", ["utf_32le"]);
alias("utf_32_be", ["utf_32be"]);
alias("cp1252", ["1252", "windows_1252"]);

/**
 * Python's `encodings.normalize_encoding` after the registry's lower-casing: runs of
 * characters other than letters, digits and "." become one "_", leading and trailing ones go.
 */
function normalize(encoding: string): string {
  return encoding.toLowerCase().replace(/[^a-z0-9.]+/g, "_").replace(/^_+|_+$/g, "");
}

// ---------------------------------------------------------------------------------------------
// Error handlers.

const HANDLERS = new Set(["strict", "replace", "ignore", "surrogateescape", "backslashreplace", "xmlcharrefreplace"]);

function check_handler(errors: string): void {
  if (!HANDLERS.has(errors)) throw new LookupError(`unknown error handler name '${errors}'`);
}

/** `\xe9`, `\u20ac`, `\U0001f600`: backslashreplace's text for one code point. */
function backslash(cp: number): string {
  const hex = cp.toString(16);
  return cp <= 0xff ? `\\x${hex.padStart(2, "0")}` : cp <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`;
}

/** A codec's encoding side: which code points it holds, and their bytes. */
interface Encoder {
  /** Name in error messages ("latin-1", "charmap" …). */
  readonly name: string;
  readonly reason: string;
  ok(cp: number): boolean;
  put(cp: number, out: number[]): void;
  /** Whether surrogateescape may write its raw bytes (Python: byte-oriented codecs only). */
  readonly raw_bytes: boolean;
  /** Whether an error covers the whole run of unencodable code points (utf-16/32: one at a time). */
  readonly runs?: boolean;
}

function is_surrogate(cp: number): boolean {
  return cp >= 0xd800 && cp <= 0xdfff;
}

/** The slow path: code point by code point, runs of unencodable ones given to the handler. */
function encode_with(enc: Encoder, text: string, errors: string, out: number[]): void {
  const cps = Array.from(text, (c) => c.codePointAt(0)!);
  let i = 0;
  while (i < cps.length) {
    const cp = cps[i]!;
    if (enc.ok(cp)) {
      enc.put(cp, out);
      i++;
      continue;
    }
    let end = i + 1;
    while (enc.runs !== false && end < cps.length && !enc.ok(cps[end]!)) end++;
    const fail = () => new UnicodeEncodeError(enc.name, text, i, end, enc.reason);
    check_handler(errors);
    const put_text = (s: string) => {
      for (const c of s) enc.put(c.codePointAt(0)!, out);
    };
    switch (errors) {
      case "strict":
        throw fail();
      case "ignore":
        break;
      case "replace":
        for (let k = i; k < end; k++) put_text("?");
        break;
      case "backslashreplace":
        for (let k = i; k < end; k++) put_text(backslash(cps[k]!));
        break;
      case "xmlcharrefreplace":
        for (let k = i; k < end; k++) put_text(`&#${cps[k]!};`);
        break;
      case "surrogateescape":
        for (let k = i; k < end; k++) {
          const c = cps[k]!;
          if (!enc.raw_bytes || c < 0xdc80 || c > 0xdcff) throw fail();
        }
        for (let k = i; k < end; k++) out.push(cps[k]! - 0xdc00);
        break;
    }
    i = end;
  }
}

/**
 * A decode error's replacement text and where decoding resumes, or the error thrown (`errors` =
 * "strict" …). surrogateescape takes at most 4 leading bytes >= 0x80 of the range and resumes
 * after them, as Python's handler does; a range starting with an ASCII byte raises.
 */
function decode_error(
  name: string, data: Uint8Array, start: number, end: number, reason: string, errors: string,
): [string, number] {
  check_handler(errors);
  switch (errors) {
    case "ignore":
      return ["", end];
    case "replace":
      return ["\ufffd", end];
    case "backslashreplace": {
      let s = "";
      for (let k = start; k < end; k++) s += backslash(data[k]!);
      return [s, end];
    }
    case "surrogateescape": {
      let s = "";
      let k = start;
      while (k - start < 4 && k < end && data[k]! >= 0x80) s += String.fromCharCode(0xdc00 + data[k++]!);
      if (k === start) throw new UnicodeDecodeError(name, data, start, end, reason);
      return [s, k];
    }
    case "xmlcharrefreplace":
      throw new TypeError("don't know how to handle UnicodeDecodeError in error callback");
    default:
      throw new UnicodeDecodeError(name, data, start, end, reason);
  }
}

/** Collects decoded code points into a string without one giant argument list. */
class StrBuilder {
  #parts: string[] = [];
  #cps: number[] = [];
  cp(c: number): void {
    this.#cps.push(c);
    if (this.#cps.length >= 4096) this.#flush();
  }
  str(s: string): void {
    this.#flush();
    this.#parts.push(s);
  }
  #flush(): void {
    if (this.#cps.length > 0) {
      this.#parts.push(String.fromCodePoint(...this.#cps));
      this.#cps = [];
    }
  }
  done(): string {
    this.#flush();
    return this.#parts.join("");
  }
}

// ---------------------------------------------------------------------------------------------
// Single-byte codecs: ascii, latin-1, cp1252.

const CP1252_HIGH =
  "\u20ac\ufffe\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffe\u017d\ufffe" +
  "\ufffe\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffe\u017e\u0178";
const CP1252_ENCODE = new Map<number, number>();
for (let b = 0; b < 256; b++) {
  const ch = b >= 0x80 && b < 0xa0 ? CP1252_HIGH.charCodeAt(b - 0x80) : b;
  if (ch !== 0xfffe) CP1252_ENCODE.set(ch, b);
}

function single_byte(name: string, err_name: string, limit: number, reason: string): CodecInfo {
  const enc: Encoder = {
    name: err_name, reason, raw_bytes: true,
    ok: (cp) => cp < limit,
    put: (cp, out) => { out.push(cp); },
  };
  const bad = limit === 0x80 ? /[^\u0000-\u007f]/ : /[^\u0000-\u00ff]/;
  return {
    name,
    encode(text, errors = "strict") {
      if (!bad.test(text)) return Buffer.from(text, "latin1");
      const out: number[] = [];
      encode_with(enc, text, errors, out);
      return Buffer.from(out);
    },
    decode(data, errors = "strict") {
      const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      if (limit === 0x100) return buf.toString("latin1");
      let i = buf.findIndex((x) => x >= 0x80);
      if (i < 0) return buf.toString("latin1");
      const sb = new StrBuilder();
      sb.str(buf.toString("latin1", 0, i));
      for (; i < buf.length; i++) {
        const x = buf[i]!;
        if (x < 0x80) sb.cp(x);
        else sb.str(decode_error(err_name, data, i, i + 1, reason, errors)[0]);
      }
      return sb.done();
    },
  };
}

const cp1252: CodecInfo = (() => {
  const reason = "character maps to <undefined>";
  const enc: Encoder = {
    name: "charmap", reason, raw_bytes: true,
    ok: (cp) => CP1252_ENCODE.has(cp),
    put: (cp, out) => { out.push(CP1252_ENCODE.get(cp)!); },
  };
  return {
    name: "cp1252",
    encode(text, errors = "strict") {
      const out: number[] = [];
      encode_with(enc, text, errors, out);
      return Buffer.from(out);
    },
    decode(data, errors = "strict") {
      const sb = new StrBuilder();
      for (let i = 0; i < data.length; i++) {
        const x = data[i]!;
        const ch = x >= 0x80 && x < 0xa0 ? CP1252_HIGH.charCodeAt(x - 0x80) : x;
        if (ch !== 0xfffe) sb.cp(ch);
        else sb.str(decode_error("charmap", data, i, i + 1, reason, errors)[0]);
      }
      return sb.done();
    },
  };
})();

// ---------------------------------------------------------------------------------------------
// UTF-8 and utf-8-sig.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Fatal, and keeps a leading BOM as U+FEFF (Python's utf-8 does; TextDecoder drops it by default). */
const UTF8_FATAL = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const utf8_encoder: Encoder = {
  name: "utf-8", reason: "surrogates not allowed", raw_bytes: true,
  ok: (cp) => !is_surrogate(cp),
  put: (cp, out) => {
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  },
};

function utf8_encode(text: string, errors: string): Buffer {
  if (!LONE_SURROGATE.test(text)) return Buffer.from(text, "utf8");
  const out: number[] = [];
  encode_with(utf8_encoder, text, errors, out);
  return Buffer.from(out);
}

/** Python's UTF-8 decoder: errors cover the maximal invalid subpart, with its three reasons. */
function utf8_decode(data: Uint8Array, errors: string): string {
  try {
    return UTF8_FATAL.decode(data);
  } catch {
    // fall through to the byte-by-byte decoder, which knows where and why
  }
  const sb = new StrBuilder();
  const n = data.length;
  let i = 0;
  while (i < n) {
    const b0 = data[i]!;
    if (b0 < 0x80) {
      sb.cp(b0);
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    let cp: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) { need = 1; cp = b0 & 0x1f; }
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2; cp = b0 & 0x0f;
      if (b0 === 0xe0) lo = 0xa0;
      if (b0 === 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3; cp = b0 & 0x07;
      if (b0 === 0xf0) lo = 0x90;
      if (b0 === 0xf4) hi = 0x8f;
    } else {
      sb.str(decode_error("utf-8", data, i, i + 1, "invalid start byte", errors)[0]);
      i++;
      continue;
    }
    let j = i + 1;
    let bad: string | null = null;
    for (let k = 0; k < need; k++, j++) {
      if (j >= n) { bad = "unexpected end of data"; break; }
      const b = data[j]!;
      if (b < lo || b > hi) { bad = "invalid continuation byte"; break; }
      cp = (cp << 6) | (b & 0x3f);
      lo = 0x80;
      hi = 0xbf;
    }
    if (bad === null) {
      sb.cp(cp);
      i = j;
    } else {
      const [text, next] = decode_error("utf-8", data, i, j, bad, errors);
      sb.str(text);
      i = next;
    }
  }
  return sb.done();
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

// ---------------------------------------------------------------------------------------------
// UTF-16 and UTF-32.

function utf16(name: string, order: "le" | "be" | "bom"): CodecInfo {
  const le_name = "utf-16-le";
  const be_name = "utf-16-be";
  const enc = (little: boolean): Encoder => ({
    name, reason: "surrogates not allowed", raw_bytes: false, runs: false,
    ok: (cp) => !is_surrogate(cp),
    put: (cp, out) => {
      const unit = (u: number) => (little ? out.push(u & 0xff, u >> 8) : out.push(u >> 8, u & 0xff));
      if (cp < 0x10000) unit(cp);
      else {
        const v = cp - 0x10000;
        unit(0xd800 | (v >> 10));
        unit(0xdc00 | (v & 0x3ff));
      }
    },
  });
  return {
    name,
    encode(text, errors = "strict") {
      const out: number[] = order === "bom" ? [0xff, 0xfe] : [];
      encode_with(enc(order !== "be"), text, errors, out);
      return Buffer.from(out);
    },
    decode(data, errors = "strict") {
      let little = order !== "be";
      let i = 0;
      if (order === "bom" && data.length >= 2) {
        if (data[0] === 0xff && data[1] === 0xfe) i = 2;
        else if (data[0] === 0xfe && data[1] === 0xff) { i = 2; little = false; }
      }
      const err_name = little ? le_name : be_name;
      const unit = (k: number) => (little ? data[k]! | (data[k + 1]! << 8) : (data[k]! << 8) | data[k + 1]!);
      const sb = new StrBuilder();
      const n = data.length;
      while (i < n) {
        const fail = (end: number, reason: string) => {
          const [text, next] = decode_error(err_name, data, i, end, reason, errors);
          sb.str(text);
          i = next;
        };
        if (n - i < 2) { fail(n, "truncated data"); continue; }
        const u = unit(i);
        if (u < 0xd800 || u > 0xdfff) { sb.cp(u); i += 2; continue; }
        if (u >= 0xdc00) { fail(i + 2, "illegal encoding"); continue; }
        if (n - (i + 2) < 2) { fail(n, "unexpected end of data"); continue; }
        const u2 = unit(i + 2);
        if (u2 >= 0xdc00 && u2 <= 0xdfff) {
          sb.cp(0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00));
          i += 4;
        } else fail(i + 2, "illegal UTF-16 surrogate");
      }
      return sb.done();
    },
  };
}

function utf32(name: string, order: "le" | "be" | "bom"): CodecInfo {
  const enc = (little: boolean): Encoder => ({
    name, reason: "surrogates not allowed", raw_bytes: false, runs: false,
    ok: (cp) => !is_surrogate(cp),
    put: (cp, out) => {
      const bytes = [cp & 0xff, (cp >> 8) & 0xff, (cp >> 16) & 0xff, 0];
      out.push(...(little ? bytes : bytes.reverse()));
    },
  });
  return {
    name,
    encode(text, errors = "strict") {
      const out: number[] = order === "bom" ? [0xff, 0xfe, 0, 0] : [];
      encode_with(enc(order !== "be"), text, errors, out);
      return Buffer.from(out);
    },
    decode(data, errors = "strict") {
      let little = order !== "be";
      let i = 0;
      if (order === "bom" && data.length >= 4) {
        const [a, b, c, d] = [data[0], data[1], data[2], data[3]];
        if (a === 0xff && b === 0xfe && c === 0 && d === 0) i = 4;
        else if (a === 0 && b === 0 && c === 0xfe && d === 0xff) { i = 4; little = false; }
      }
      const err_name = little ? "utf-32-le" : "utf-32-be";
      const sb = new StrBuilder();
      const n = data.length;
      while (i < n) {
        const fail = (end: number, reason: string) => {
          const [text, next] = decode_error(err_name, data, i, end, reason, errors);
          sb.str(text);
          i = next;
        };
        if (n - i < 4) { fail(n, "truncated data"); continue; }
        const cp = little
          ? (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0
          : ((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!) >>> 0;
        if (cp > 0x10ffff) fail(i + 4, "code point not in range(0x110000)");
        else if (is_surrogate(cp)) fail(i + 4, "code point in surrogate code point range(0xd800, 0xe000)");
        else { sb.cp(cp); i += 4; }
      }
      return sb.done();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The registry.

const CODECS: Record<string, CodecInfo> = {
  ascii: single_byte("ascii", "ascii", 0x80, "ordinal not in range(128)"),
  latin_1: single_byte("iso8859-1", "latin-1", 0x100, "ordinal not in range(256)"),
  utf_8: { name: "utf-8", encode: (t, e = "strict") => utf8_encode(t, e), decode: (d, e = "strict") => utf8_decode(d, e) },
  utf_8_sig: {
    name: "utf-8-sig",
    encode: (t, e = "strict") => Buffer.concat([UTF8_BOM, utf8_encode(t, e)]),
    decode: (d, e = "strict") =>
      utf8_decode(d.length >= 3 && d[0] === 0xef && d[1] === 0xbb && d[2] === 0xbf ? d.subarray(3) : d, e),
  },
  utf_16: utf16("utf-16", "bom"),
  utf_16_le: utf16("utf-16-le", "le"),
  utf_16_be: utf16("utf-16-be", "be"),
  utf_32: utf32("utf-32", "bom"),
  utf_32_le: utf32("utf-32-le", "le"),
  utf_32_be: utf32("utf-32-be", "be"),
  cp1252,
};

/** Python's `codecs.lookup(encoding)`; LookupError "unknown encoding: x" for a name it does not know. */
export function lookup(encoding: string): CodecInfo {
  const key = ALIASES[normalize(encoding)];
  const codec = key === undefined ? undefined : CODECS[key];
  if (codec === undefined) throw new LookupError(`unknown encoding: ${encoding}`);
  return codec;
}

/**
 * Python's `str.encode(encoding="utf-8", errors="strict")` / `codecs.encode`: bytes as a Buffer,
 * or UnicodeEncodeError with Python's message. An unknown handler name raises LookupError only
 * when it is needed, as in Python.
 */
export function encode(text: string, encoding = "utf-8", errors: string = "strict"): Buffer {
  return lookup(encoding).encode(text, errors);
}

/** The names bytes.decode handles in C; a TypeError from other codecs comes wrapped, as Python's. */
const BUILTIN = new Set(["utf_8", "utf8", "utf_16", "utf16", "utf_32", "utf32", "latin1", "latin_1", "iso_8859_1",
  "iso8859_1", "ascii", "us_ascii"]);

/** Python's `bytes.decode(encoding="utf-8", errors="strict")` / `codecs.decode`: UnicodeDecodeError as Python's. */
export function decode(data: Uint8Array, encoding = "utf-8", errors: string = "strict"): string {
  const codec = lookup(encoding);
  try {
    return codec.decode(data, errors);
  } catch (e) {
    if (e instanceof TypeError && !BUILTIN.has(normalize(encoding))) {
      throw new TypeError(`decoding with '${encoding}' codec failed (TypeError: ${e.message})`, { cause: e });
    }
    throw e;
  }
}
