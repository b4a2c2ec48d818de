// ByteQueue: a FIFO of byte chunks handed out as slices, for either direction of a stream.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use

/**
 * Bytes held as the chunks they arrived in, consumed from the front. The input side reads it
 * with take() (what Node delivered and recv() has not taken yet); the output side with
 * peek() and drop() (what send() queued and the socket has not taken yet).
 */
export class ByteQueue {
  /** NONE while empty: an idle queue holds no array of its own, and emptying one makes none. */
  private chunks: Buffer[] = NONE;
  private head = 0;
  /**
   * Bytes of the head chunk already consumed: a partial take or drop moves this offset rather
   * than replacing the chunk by a new view of its rest (one Buffer less per partial recv).
   */
  private off = 0;
  /** Total bytes held. */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.chunks === NONE) this.chunks = [chunk];
    else this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /**
   * Up to `n` bytes from the front: a slice of the first chunk when it is large (or enough, or
   * followed by a large one and n is large), otherwise small chunks joined into one copy, as a
   * kernel hands out what it holds.
   */
  take(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first === undefined || n <= 0) return Buffer.alloc(0);
    const avail = first.length - this.off;
    if (avail >= n || this.chunks.length - this.head === 1 || this.front_alone(avail, n)) {
      const k = avail > n ? n : avail;
      // The chunk itself when all of it is taken: no new view.
      const out = this.off === 0 && k === first.length ? first : first.subarray(this.off, this.off + k);
      this.consume_front(k);
      return out;
    }
    const want = Math.min(n, this.length);
    const out = Buffer.allocUnsafe(want);
    let at = 0;
    while (at < want) {
      const c = this.chunks[this.head] as Buffer;
      const k = Math.min(c.length - this.off, want - at);
      c.copy(out, at, this.off, this.off + k);
      at += k;
      this.consume_front(k);
    }
    return out;
  }

  /**
   * A front chunk of `avail` (< n) bytes that take(n) hands out alone: it is large, or n is and a
   * large chunk follows. Joining a small front with a large chunk would copy the large one only to
   * split it, and leave a small front again for the next recv (a 64 KiB recv over 64 KiB chunks
   * would then copy every chunk, once misaligned).
   */
  private front_alone(avail: number, n: number): boolean {
    return avail >= ZERO_COPY_MIN || (n >= ZERO_COPY_MIN && (this.chunks[this.head + 1] as Buffer).length >= ZERO_COPY_MIN);
  }

  /** What take(n) would return, without consuming it (the input side's MSG_PEEK). */
  peek_take(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first === undefined || n <= 0) return EMPTY;
    const avail = first.length - this.off;
    if (avail >= n || this.chunks.length - this.head === 1 || this.front_alone(avail, n)) {
      const k = avail > n ? n : avail;
      return this.off === 0 && k === first.length ? first : first.subarray(this.off, this.off + k);
    }
    return this.peek(n);
  }

  /** Up to `n` bytes from the front without consuming them, joined across chunks (the output side's view of what to send next). */
  peek(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first === undefined) return EMPTY;
    const avail = first.length - this.off;
    if (avail >= n || this.chunks.length - this.head === 1) {
      const k = avail > n ? n : avail;
      // The chunk itself when it is all that is asked for: no new view.
      return this.off === 0 && k === first.length ? first : first.subarray(this.off, this.off + k);
    }
    const parts: Buffer[] = [];
    let left = n;
    for (let i = this.head; i < this.chunks.length && left > 0; i++) {
      const c = this.chunks[i] as Buffer;
      const from = i === this.head ? this.off : 0;
      const k = Math.min(c.length - from, left);
      parts.push(from === 0 && k === c.length ? c : c.subarray(from, from + k));
      left -= k;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Forget the first `n` bytes (what a send took from a queue peeked at). */
  drop(n: number): void {
    let left = Math.min(n, this.length);
    while (left > 0) {
      const k = Math.min((this.chunks[this.head] as Buffer).length - this.off, left);
      this.consume_front(k);
      left -= k;
    }
  }

  clear(): void {
    this.chunks = NONE;
    this.head = 0;
    this.off = 0;
    this.length = 0;
  }

  /** Consume `k` bytes of the head chunk (at most what is left of it). */
  private consume_front(k: number): void {
    const c = this.chunks[this.head] as Buffer;
    this.length -= k;
    this.off += k;
    if (this.off >= c.length) {
      this.off = 0;
      this.chunks[this.head] = EMPTY;
      this.head++;
      if (this.head === this.chunks.length) {
        this.chunks = NONE;
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    }
  }
}

const EMPTY = Buffer.alloc(0);
/**
 * The chunks of every empty queue: never written (push replaces it first). Made holding a Buffer
 * and emptied, so that it has the element kind of a queue's own arrays (one shape at the loads).
 */
const NONE: Buffer[] = [EMPTY];
NONE.pop();

/** A chunk at least this long is handed out alone rather than copied to join the next. */
export const ZERO_COPY_MIN = 16384;
