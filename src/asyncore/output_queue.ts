// output_queue: a channel's outgoing bytes, str and producers, sent through a send(buf) → n function by CPython's rules.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use
import { ByteQueue } from "../socket/byte_queue.js";
import type { BytesLike } from "../socket/index.js";
import { deque } from "./deque.js";

/**
 * Anything with a `more()` method: each call returns the next piece of data, and an empty
 * piece (or null) once exhausted. A str piece is sent only through an encoder. This is all the
 * queue needs of asynchat's producers, so the type lives here, below asynchat, which re-exports
 * it beside its simple_producer.
 */
export interface producer {
  more(): BytesLike | string | null;
}

/**
 * What the queue holds, head first:
 * - bytes: sent in slices of at most `size`; what send() does not take stays first;
 * - a str: encoded when it is sent (a TypeError without an encoder, as CPython's send(str));
 * - a producer: pulled with more() only once it reaches the head, its pieces queued in front of it;
 * - null: the close sentinel of close_when_done — flush reports "close" when it reaches it;
 * - a ByteQueue: one bytes value that grows in place and is never removed, even when empty
 *   (as Python's `out_buffer + data` grows one value).
 */
export type output_entry = BytesLike | string | producer | ByteQueue | null;

/** How a str entry becomes bytes (async_chat's `use_encoding`/`encoding`). */
export type encoder = (text: string) => Buffer;

/** One send of the queue's head: the count of bytes it took. */
export type sender = (data: Buffer) => number;

/**
 * What one flush did:
 * - "idle": nothing to send (queue empty, or the channel not connected); send was not called;
 * - "sent": send was called once (it may have taken 0 bytes); the untaken rest is still first;
 * - "close": the close sentinel was reached and removed; the channel should close now.
 */
export type flush_result = "idle" | "sent" | "close";

const always = (): boolean => true;

function as_view(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Python's `not x` for an entry: None, empty bytes, empty str (objects, producers included, are true). */
function is_falsy(x: output_entry): boolean {
  return x === null || ((typeof x === "string" || x instanceof Uint8Array) && x.length === 0);
}

/**
 * The output side of a channel, free of I/O: entries go in with push()/append(), and flush()
 * performs CPython's async_chat.initiate_send step by step, calling the `send` it is given at
 * most once. async_chat exposes `fifo` as its `producer_fifo`.
 */
export class output_queue<E extends output_entry = output_entry> {
  /** The entries, head first; assignable, as Python code may rebind `self.producer_fifo`. */
  fifo: deque<E>;

  constructor(entries?: Iterable<E>) {
    this.fifo = new deque<E>(entries);
  }

  /** Entries queued (not bytes): Python's `len(self.producer_fifo)`. */
  get length(): number {
    return this.fifo.length;
  }

  /**
   * async_chat.push's queueing: bytes longer than `size` become `size`-byte slices (views of
   * `data`, no copy), each an entry of its own, as CPython appends `data[i:i+sabs]`. Only for a
   * queue whose entries may be bytes (the `never` keeps a ByteQueue-only queue from it).
   */
  push(data: Buffer extends E ? Buffer : never, size: number): void {
    if (data.length > size) {
      for (let i = 0; i < data.length; i += size) this.fifo.append(data.subarray(i, i + size) as E);
    } else {
      this.fifo.append(data as E);
    }
  }

  /** One entry as given: a producer (push_with_producer), a str or bytes, or null (close_when_done). */
  append(entry: E): void {
    this.fifo.append(entry);
  }

  /** Drop every entry (discard_buffers). */
  clear(): void {
    this.fifo.clear();
  }

  /**
   * CPython's async_chat.initiate_send, entry by entry: empty entries are dropped (an empty
   * bytes or str still costs one empty send, as in CPython), producers are pulled until one
   * yields data or is exhausted, and the head's first `size` bytes are offered to `send` once.
   * What send takes leaves the head; the rest stays first. A str head partly sent stays as its
   * encoded rest (CPython slices the str by a byte count, which breaks multi-byte encodings;
   * PORTING.md, "asynchat details").
   *
   * `connected` is asked before every step, as CPython's `while fifo and self.connected`, since a
   * producer's more() may close the channel. When send, more() or the encoder throws, the queue
   * is as it was just before that call and the error propagates: routing it (async_chat hands a
   * send's OSError to handle_error) is the channel's business, as is closing on "close".
   */
  flush(send: sender, size = 65536, encode: encoder | null = null, connected: () => boolean = always): flush_result {
    // Every kind of entry is handled here; E only narrows what an owner may queue.
    const fifo = this.fifo as deque<output_entry>;
    while (fifo.length && connected()) {
      const first = fifo.at(0);
      if (is_falsy(first)) {
        fifo.popleft();
        if (first === null) return "close";
      }
      let data: Buffer;
      let run: ByteQueue | null = null;
      if (first instanceof Uint8Array) {
        // The head itself when it fits: no new view per send.
        const head = as_view(first);
        data = head.length > size ? head.subarray(0, size) : head;
      } else if (first instanceof ByteQueue) {
        run = first;
        data = run.peek(size);
      } else if (typeof first === "string") {
        if (!encode) throw new TypeError("a bytes-like object is required, not 'str'");
        data = encode(first.slice(0, size));
      } else {
        const more = (first as producer).more();
        // JS producers may say "exhausted" with undefined too.
        if (more === undefined || is_falsy(more)) fifo.popleft();
        else fifo.appendleft(more);
        continue;
      }

      const num_sent = send(data);
      if (num_sent) {
        if (run) {
          run.drop(num_sent);
        } else if (num_sent < data.length || size < (first as BytesLike | string).length) {
          // A str keeps its rest as encoded bytes, so the count stays in bytes.
          const rest = typeof first === "string" ? encode!(first) : as_view(first as BytesLike);
          fifo.set(0, rest.subarray(num_sent));
        } else {
          fifo.popleft();
        }
      }
      return "sent";
    }
    return "idle";
  }
}
