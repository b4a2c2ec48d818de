// asyncore.dispatcher_with_send: a dispatcher that buffers what send() could not write yet.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use
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
  /**
   * Python's `self.out_buffer`: what send() queued and the socket has not taken yet, kept as the
   * pieces it came in (no quadratic re-copy of the backlog, as CPython's `out_buffer + data`).
   * Made on the first send: an idle channel holds none.
   */
  #out_buffer: ByteQueue | null = null;

  constructor(sock?: socket | null, map?: SocketMap | null) {
    super(sock, map);
  }

  /** Python's `self.out_buffer` (bytes still to send); reading it joins the pieces once. */
  get out_buffer(): Buffer {
    const q = (this.#out_buffer ??= new ByteQueue());
    const all = q.peek(q.length);
    q.clear();
    q.push(all);
    return all;
  }

  set out_buffer(data: BytesLike) {
    const q = (this.#out_buffer ??= new ByteQueue());
    q.clear();
    q.push(as_buffer(data));
  }

  /**
   * One send of out_buffer[:65536], the rest kept: CPython's initiate_send, which sends even an
   * empty out_buffer, whether connected or not, and lets dispatcher.send's errors propagate.
   * (CPython calls dispatcher.send here, skipping this class's queueing send().) Nothing leaves
   * the queue before the send returns, so an error leaves it as it was.
   */
  initiate_send(): void {
    const q = this.#out_buffer;
    const num_sent = super.send(q === null ? EMPTY : q.peek(SEND_SLICE));
    if (num_sent && q !== null) q.drop(num_sent);
  }

  override handle_write(): void {
    this.initiate_send();
  }

  override writable(): boolean {
    return !this.connected || (this.#out_buffer !== null && this.#out_buffer.length > 0);
  }

  /** Queue data and send what the socket takes now; returns the bytes queued. */
  override send(data: BytesLike): number {
    const buf = as_buffer(data);
    if (this.debug) this.log_info(`sending ${bytes_repr(buf)}`);
    (this.#out_buffer ??= new ByteQueue()).push(buf);
    this.initiate_send();
    return buf.length;
  }
}

const EMPTY = Buffer.alloc(0);
