// Bytes as Python's socket API takes them (Buffer or any Uint8Array), and Python type names for its TypeErrors.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use

/** Bytes as Python APIs take them: Buffer or any Uint8Array. */
export type BytesLike = Buffer | Uint8Array;

/** A Buffer view of bytes-like data (no copy); TypeError, as Python words it, for anything else. */
export function as_buffer(data: unknown, what = "a bytes-like object is required"): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`${what}, not '${py_type(data)}'`);
}

/** The Python type name of a JS value, for TypeError messages. */
export function py_type(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  if (Buffer.isBuffer(v)) return "bytes";
  if (Array.isArray(v)) return "list";
  return typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}
