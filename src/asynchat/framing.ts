// The I/O-free terminator framing of async_chat.handle_read: bytes in, collect/found calls out.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use
import type { Channel } from "../asyncore/map.js";
import { settle } from "../asyncore/returned_promise.js";
import { prefix_of_bytes } from "./find_prefix.js";

/** A terminator as set_terminator stores it: bytes, a byte count, null (collect forever); str only as CPython keeps it. */
export type terminator = Buffer | Uint8Array | string | number | null;

/** The channel side of the framing: the members of async_chat that handle_read uses. */
export interface framing_target {
  /** Read once per step, so a subclass override and changes made in found_terminator apply at once. */
  get_terminator(): terminator;
  /** Written directly for numeric terminators, as CPython does (`self.terminator -= n`). */
  terminator: terminator;
  collect_incoming_data(data: Buffer): void;
  found_terminator(): void;
  /** Opt-in cap on the bytes collected since the last found_terminator (null: no limit, CPython's behaviour). */
  readonly ac_collect_limit?: number | null;
  /** Called when that cap would be exceeded; the unprocessed input has been dropped. */
  handle_collect_overflow?(): void;
}

const EMPTY = Buffer.alloc(0);

/** Python's `not terminator` for the values a terminator can take. */
function is_falsy(term: terminator): boolean {
  if (term === null || term === undefined) return true;
  if (typeof term === "number" || typeof term === "string") return !term;
  return term.length === 0;
}

/**
 * Holds the unprocessed input (`ac_in_buffer`) and runs CPython's terminator search over it.
 *
 * Observable behaviour is CPython's, call for call: for the same reads, the same
 * collect_incoming_data arguments and found_terminator calls, in the same order, and the same
 * `ac_in_buffer` seen from inside those calls. What differs is the cost: the input is walked
 * with an offset and handed out as `subarray` views (CPython re-slices, copying, after every
 * terminator), each byte is searched once, and between reads only a partial terminator
 * (shorter than the terminator) is kept, copied out so it does not pin the read's chunk.
 */
export class framer {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private collected = 0;
  /** buf's ArrayBuffer, read once per buffer: `subarray` reads `.buffer` (a C++ call) per view. */
  private ab: ArrayBufferLike | null = null;
  /** The terminator last searched for, and its Buffer view: made once, not per item, for a plain Uint8Array. */
  private term_src: Uint8Array | null = null;
  private term_buf: Buffer = EMPTY;

  constructor(private readonly target: framing_target) {}

  /** The unprocessed input, as a view (no copy). Inside a callback: what follows the current item. */
  get pending(): Buffer {
    return this.pos === 0 ? this.buf : this.view(this.pos, this.buf.length);
  }

  /** Replace the unprocessed input (`self.ac_in_buffer = ...`), also from inside a callback. */
  set pending(data: Buffer) {
    this.buf = data;
    this.pos = 0;
    this.ab = null;
  }

  /** A new Buffer over buf[start:end] (no copy): what subarray gives, at about half its cost. */
  private view(start: number, end: number): Buffer {
    const ab = (this.ab ??= this.buf.buffer);
    return Buffer.from(ab, this.buf.byteOffset + start, end - start);
  }

  /** Forget the count of bytes collected toward the opt-in limit (a new item starts). */
  reset_count(): void {
    this.collected = 0;
  }

  /** handle_read's work after recv: append `data` and deliver every complete item in it. */
  feed(data: Buffer): void {
    if (data.length) {
      if (this.buf.length - this.pos === 0) this.pending = data;
      else this.pending = Buffer.concat([this.pending, data]);
    }
    try {
      this.run();
    } finally {
      this.settle();
    }
  }

  private run(): void {
    const t = this.target;
    while (this.buf.length - this.pos > 0) {
      const term = t.get_terminator();
      // The usual step, kept small so that the optimizing compiler has room to inline what it
      // calls (indexOf's checks, Buffer.from's): the one-byte terminator searched last time
      // (a line's "\n"), no collect limit, and the byte found. What it does is step()'s.
      if (term === this.term_src && this.term_buf.length === 1 && t.ac_collect_limit == null) {
        const buf = this.buf;
        const pos = this.pos;
        const index = buf.indexOf(this.term_buf[0]!, pos);
        if (index !== -1) {
          // view(), advance() and found(), written out: inlined calls count against that room.
          if (index > pos) {
            const ab = (this.ab ??= buf.buffer);
            const r: unknown = t.collect_incoming_data(Buffer.from(ab, buf.byteOffset + pos, index - pos));
            if (r !== undefined) settle(t as unknown as Channel, r);
          }
          const next = this.pos + (index - pos + 1);
          const end = this.buf.length;
          this.pos = next < end ? next : end;
          this.collected = 0;
          const r: unknown = t.found_terminator();
          if (r !== undefined) settle(t as unknown as Channel, r);
          continue;
        }
      }
      if (!this.step(term)) return;
    }
  }

  /** One step of CPython's handle_read loop over the unprocessed input; false: stop (the rest waits for more input). */
  private step(term: terminator): boolean {
    const t = this.target;
    const lb = this.buf.length - this.pos;
    if (is_falsy(term)) {
      // null, 0, "" or empty bytes (Python's `not terminator`): collect everything.
      if (!this.collect(this.pending)) return false;
      this.pending = EMPTY;
    } else if (typeof term === "number") {
      if (lb < term) {
        if (!this.collect(this.pending)) return false;
        this.pending = EMPTY;
        t.terminator = (t.terminator as number) - lb;
      } else {
        if (!this.collect(this.view(this.pos, this.pos + term))) return false;
        this.advance(term);
        t.terminator = 0;
        this.found();
      }
    } else {
      if (typeof term === "string") {
        throw new TypeError("argument should be integer or bytes-like object, not 'str'");
      }
      const bytes = term as Uint8Array;
      if (bytes !== this.term_src) {
        this.term_buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        this.term_src = bytes;
      }
      const needle = this.term_buf;
      // A one-byte terminator (a line's "\n") is searched as a number: Node's memchr path,
      // several times cheaper per call than matching a Buffer needle.
      const index = needle.length === 1 ? this.buf.indexOf(needle[0]!, this.pos) : this.buf.indexOf(needle, this.pos);
      if (index !== -1) {
        const rel = index - this.pos;
        // CPython does not report an empty item before a terminator.
        if (rel > 0 && !this.collect(this.view(this.pos, index))) return false;
        this.advance(rel + needle.length);
        this.found();
      } else {
        const view = this.pending;
        const held = prefix_of_bytes(view, needle);
        if (held) {
          if (held !== lb) {
            if (!this.collect(view.subarray(0, lb - held))) return false;
            this.keep_last(held);
          }
          return false;
        }
        if (!this.collect(view)) return false;
        this.pending = EMPTY;
      }
    }
    return true;
  }

  /** `ac_in_buffer = ac_in_buffer[n:]`, applied to whatever the buffer is after the callback. */
  private advance(n: number): void {
    this.pos = Math.min(this.pos + n, this.buf.length);
  }

  /** `ac_in_buffer = ac_in_buffer[-n:]`. */
  private keep_last(n: number): void {
    this.pos = Math.max(this.pos, this.buf.length - n);
  }

  private found(): void {
    this.collected = 0;
    const r: unknown = this.target.found_terminator();
    // Only a returned value can be a promise: no call at all for the usual undefined.
    if (r !== undefined) settle(this.target as unknown as Channel, r);
  }

  /** Hands data to collect_incoming_data; false when the opt-in limit stopped the read. */
  private collect(data: Buffer): boolean {
    const limit = this.target.ac_collect_limit;
    if (limit != null) {
      this.collected += data.length;
      if (this.collected > limit) {
        this.collected = 0;
        this.pending = EMPTY;
        if (this.target.handle_collect_overflow) this.target.handle_collect_overflow();
        return false;
      }
    }
    const r: unknown = this.target.collect_incoming_data(data);
    if (r !== undefined) settle(this.target as unknown as Channel, r);
    return true;
  }

  /** Between reads keep only a small copy of what is left, not a view pinning the whole chunk. */
  private settle(): void {
    if (this.buf.length - this.pos === 0) this.pending = EMPTY;
    else this.pending = Buffer.from(this.pending);
  }
}
