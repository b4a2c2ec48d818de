// asyncore.dispatcher_with_send: a dispatcher that buffers what send() could not write yet.
import type { BytesLike, socket } from "../socket/index.js";
import { as_buffer } from "../socket/index.js";
import { dispatcher } from "./dispatcher.js";
import type { SocketMap } from "./map.js";

const SEND_SLICE = 65536;

/** Python's repr() of bytes: b'...' with \\, \\', \\t, \\n, \\r and \\xNN escapes. */
export function bytes_repr(buf: Uint8Array): string {
  const quote = buf.includes(0x27) && !buf.includes(0x22) ? '"' : "'";
  let out = "b" + quote;
  for (const c of buf) {
    if (c === 0x5c) out += "\\\\";
    else if (c === quote.charCodeAt(0)) out += "\\" + quote;
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c < 0x20 || c >= 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

export class dispatcher_with_send extends dispatcher {
  /** What send() queued and the socket has not taken yet, as the pieces it came in. */
  #pending: Buffer[] = [];
  #pending_length = 0;

  constructor(sock?: socket | null, map?: SocketMap | null) {
    super(sock, map);
  }

  /**
   * Python's `self.out_buffer` (bytes still to send). Kept as a queue of pieces so that many
   * sends to a slow peer do not copy the whole backlog each time (CPython's `out_buffer + data`
   * is quadratic); reading it joins them once.
   */
  get out_buffer(): Buffer {
    if (this.#pending.length > 1) this.#pending = [Buffer.concat(this.#pending)];
    return this.#pending[0] ?? EMPTY;
  }

  set out_buffer(data: BytesLike) {
    const buf = as_buffer(data);
    this.#pending = buf.length ? [buf] : [];
    this.#pending_length = buf.length;
  }

  initiate_send(): void {
    const num_sent = dispatcher.prototype.send.call(this, this.#head(SEND_SLICE));
    this.#consume(num_sent);
  }

  /** The first n queued bytes: a slice of the first piece, or small pieces joined (at most n copied). */
  #head(n: number): Buffer {
    const first = this.#pending[0];
    if (first === undefined) return EMPTY;
    if (first.length >= n || this.#pending.length === 1) return first.subarray(0, n);
    const parts: Buffer[] = [];
    let len = 0;
    for (const p of this.#pending) {
      if (len >= n) break;
      const part = p.length > n - len ? p.subarray(0, n - len) : p;
      parts.push(part);
      len += part.length;
    }
    return Buffer.concat(parts, len);
  }

  #consume(n: number): void {
    this.#pending_length -= n;
    while (n > 0) {
      const first = this.#pending[0] as Buffer;
      if (first.length > n) {
        this.#pending[0] = first.subarray(n);
        return;
      }
      n -= first.length;
      this.#pending.shift();
    }
  }

  override handle_write(): void {
    this.initiate_send();
  }

  override writable(): boolean {
    return !this.connected || this.#pending_length > 0;
  }

  /** Queue data and send what the socket takes now; returns the bytes queued. */
  override send(data: BytesLike): number {
    const buf = as_buffer(data);
    if (this.debug) this.log_info(`sending ${bytes_repr(buf)}`);
    if (buf.length) {
      this.#pending.push(buf);
      this.#pending_length += buf.length;
    }
    this.initiate_send();
    return buf.length;
  }
}

const EMPTY = Buffer.alloc(0);
