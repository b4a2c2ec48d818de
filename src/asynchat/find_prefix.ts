// find_prefix_at_end: how many leading bytes of a terminator sit at the end of a buffer.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use

/**
 * Python's `asynchat.find_prefix_at_end(haystack, needle)`: the length of the longest proper
 * prefix of `needle` (shorter than the whole needle) that `haystack` ends with, 0 when none.
 * Like CPython it assumes a full match was already ruled out, and returns -1 for an empty needle.
 * Works on bytes (Buffer/Uint8Array) and on str; both arguments must be of the same kind.
 */
export function find_prefix_at_end(haystack: string, needle: string): number;
export function find_prefix_at_end(haystack: Uint8Array, needle: Uint8Array): number;
export function find_prefix_at_end(haystack: string | Uint8Array, needle: string | Uint8Array): number {
  if (typeof haystack === "string" || typeof needle === "string") {
    if (typeof haystack !== "string" || typeof needle !== "string") {
      throw new TypeError("find_prefix_at_end() arguments must both be str or both be bytes");
    }
    return prefix_of_str(haystack, needle);
  }
  return prefix_of_bytes(as_view(haystack), as_view(needle));
}

function as_view(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function prefix_of_str(haystack: string, needle: string): number {
  if (needle.length === 0) return -1;
  const lowest = Math.max(0, haystack.length - (needle.length - 1));
  // The longest prefix starts earliest: try each occurrence of needle[0] from the left.
  for (let at = haystack.indexOf(needle[0]!, lowest); at !== -1; at = haystack.indexOf(needle[0]!, at + 1)) {
    if (needle.startsWith(haystack.slice(at))) return haystack.length - at;
  }
  return 0;
}

/** The bytes version, used by the framing on every partial read: native compares only. */
export function prefix_of_bytes(haystack: Buffer, needle: Buffer): number {
  if (needle.length === 0) return -1;
  const end = haystack.length;
  const lowest = Math.max(0, end - (needle.length - 1));
  const first = needle[0]!;
  for (let at = haystack.indexOf(first, lowest); at !== -1; at = haystack.indexOf(first, at + 1)) {
    if (haystack.compare(needle, 0, end - at, at, end) === 0) return end - at;
  }
  return 0;
}
