// asyncore.dispatcher_with_send: a dispatcher that buffers what send() could not write yet.
import type { BytesLike, socket } from "../socket/index.js";
import { as_buffer } from "../socket/index.js";
import { ByteQueue } from "../socket/byte_queue.js";
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
  readonly #pending = new ByteQueue();

  constructor(sock?: socket | null, map?: SocketMap | null) {
    super(sock, map);
  }

  /**
   * Python's `self.out_buffer` (bytes still to send). Kept as a queue of pieces so that many
   * sends to a slow peer do not copy the whole backlog each time (CPython's `out_buffer + data`
   * is quadratic); reading it joins them once.
   */
  get out_buffer(): Buffer {
    const all = this.#pending.peek(this.#pending.length);
    this.#pending.clear();
    this.#pending.push(all);
    return all;
  }

  set out_buffer(data: BytesLike) {
    this.#pending.clear();
    this.#pending.push(as_buffer(data));
  }

  initiate_send(): void {
    const num_sent = dispatcher.prototype.send.call(this, this.#pending.peek(SEND_SLICE));
    this.#pending.drop(num_sent);
  }

  override handle_write(): void {
    this.initiate_send();
  }

  override writable(): boolean {
    return !this.connected || this.#pending.length > 0;
  }

  /** Queue data and send what the socket takes now; returns the bytes queued. */
  override send(data: BytesLike): number {
    const buf = as_buffer(data);
    if (this.debug) this.log_info(`sending ${bytes_repr(buf)}`);
    this.#pending.push(buf);
    this.initiate_send();
    return buf.length;
  }
}
