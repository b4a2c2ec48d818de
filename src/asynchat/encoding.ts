// Python's str.encode(encoding) for the encodings async_chat's use_encoding may name.
import { LookupError, UnicodeEncodeError } from "../errno/index.js";

const NOT_LATIN1 = /[^\u0000-\u00ff]/;
const NOT_ASCII = /[^\u0000-\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Normalise a Python codec name: "Latin-1", "latin_1", "ISO-8859-1" → "latin1". */
function codec(encoding: string): "latin1" | "ascii" | "utf8" | "utf16le" {
  const name = encoding.toLowerCase().replace(/[-_ ]/g, "");
  switch (name) {
    case "latin1": case "iso88591": case "l1": case "8859": case "cp819":
      return "latin1";
    case "ascii": case "usascii": case "646":
      return "ascii";
    case "utf8": case "u8": case "utf":
      return "utf8";
    case "utf16le":
      return "utf16le";
    default:
      throw new LookupError(`unknown encoding: ${encoding}`);
  }
}

/** `bytes(text, encoding)`, strict like Python: no silent replacement of unencodable characters. */
export function encode(text: string, encoding: string): Buffer {
  const c = codec(encoding);
  const bad = c === "latin1" ? NOT_LATIN1 : c === "ascii" ? NOT_ASCII : LONE_SURROGATE;
  const m = bad.exec(text);
  if (m) throw new UnicodeEncodeError(encoding, m.index);
  return Buffer.from(text, c);
}
