// ByteQueue: a FIFO of byte chunks handed out as slices, for either direction of a stream.

/**
 * Bytes held as the chunks they arrived in, consumed from the front. The input side reads it
 * with take() (what Node delivered and recv() has not taken yet); the output side with
 * peek() and drop() (what send() queued and the socket has not taken yet).
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  /** Total bytes held. */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /**
   * Up to `n` bytes from the front: a slice of the first chunk when it is large (or enough),
   * otherwise small chunks joined into one copy, as a kernel hands out what it holds.
   */
  take(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first === undefined || n <= 0) return Buffer.alloc(0);
    if (first.length >= n || first.length >= ZERO_COPY_MIN || this.chunks.length - this.head === 1) {
      const out = first.length > n ? first.subarray(0, n) : first;
      this.consume_front(out.length);
      return out;
    }
    const want = Math.min(n, this.length);
    const out = Buffer.allocUnsafe(want);
    let at = 0;
    while (at < want) {
      const c = this.chunks[this.head] as Buffer;
      const k = Math.min(c.length, want - at);
      c.copy(out, at, 0, k);
      at += k;
      this.consume_front(k);
    }
    return out;
  }

  /** Up to `n` bytes from the front without consuming them (MSG_PEEK). */
  peek(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first === undefined) return EMPTY;
    if (first.length >= n || this.chunks.length - this.head === 1) {
      // The chunk itself when it is all that is asked for: no new view.
      return first.length > n ? first.subarray(0, n) : first;
    }
    const parts: Buffer[] = [];
    let left = n;
    for (let i = this.head; i < this.chunks.length && left > 0; i++) {
      const c = this.chunks[i] as Buffer;
      const part = c.length > left ? c.subarray(0, left) : c;
      parts.push(part);
      left -= part.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Forget the first `n` bytes (what a send took from a queue peeked at). */
  drop(n: number): void {
    let left = Math.min(n, this.length);
    while (left > 0) {
      const k = Math.min((this.chunks[this.head] as Buffer).length, left);
      this.consume_front(k);
      left -= k;
    }
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
  }

  private consume_front(k: number): void {
    const c = this.chunks[this.head] as Buffer;
    this.length -= k;
    if (k >= c.length) {
      this.chunks[this.head] = EMPTY;
      this.head++;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    } else {
      this.chunks[this.head] = c.subarray(k);
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** A chunk at least this long is handed out alone rather than copied to join the next. */
export const ZERO_COPY_MIN = 16384;
