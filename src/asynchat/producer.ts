// Producers: objects async_chat pulls outgoing data from, and Python's simple_producer.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use
import type { producer } from "../asyncore/index.js";

const EMPTY = Buffer.alloc(0);

/** Bytes as the asynchat API takes them. */
export type BytesLike = Buffer | Uint8Array;

/**
 * Anything with a `more()` method: each call returns the next piece of data, and an empty
 * piece once exhausted. A `str` is allowed when the channel's `use_encoding` is set. The
 * output queue that pulls it lives in asyncore (dispatcher_with_send shares it), so the type
 * is declared there and re-exported here.
 */
export type { producer };

/** What `producer_fifo` holds: bytes, producers, str (sent only with use_encoding), or the close sentinel null. */
export type fifo_entry = BytesLike | string | producer | null;

/** Python's `asynchat.simple_producer(data, buffer_size=512)`: hands out `data` in slices. */
export class simple_producer implements producer {
  data: BytesLike | string;
  buffer_size: number;

  constructor(data: BytesLike | string, buffer_size = 512) {
    this.data = data;
    this.buffer_size = buffer_size;
  }

  more(): BytesLike | string {
    const data = this.data;
    const n = this.buffer_size;
    if (data.length > n) {
      if (typeof data === "string") {
        this.data = data.slice(n);
        return data.slice(0, n);
      }
      this.data = data.subarray(n);
      return data.subarray(0, n);
    }
    this.data = typeof data === "string" ? "" : EMPTY;
    return data;
  }
}

export { simple_producer as SimpleProducer };
export type { producer as Producer };
