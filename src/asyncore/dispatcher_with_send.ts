// asyncore.dispatcher_with_send: a dispatcher that buffers what send() could not write yet.
import type { BytesLike, socket } from "../socket/index.js";
import { as_buffer } from "../socket/index.js";
import { ByteQueue } from "../socket/byte_queue.js";
import { dispatcher } from "./dispatcher.js";
import type { SocketMap } from "./map.js";
import { output_queue } from "./output_queue.js";

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
   */
  readonly #out_buffer = new ByteQueue();
  /** The output queue holding it as its only entry, so initiate_send is the shared flush. */
  readonly #out = new output_queue<ByteQueue>([this.#out_buffer]);
  /** CPython calls dispatcher.send here, skipping this class's queueing send(). */
  /** Made on the first send (an idle channel never needs it). */
  #send_fn: ((data: Buffer) => number) | null = null;
  get #send(): (data: Buffer) => number {
    return (this.#send_fn ??= (data: Buffer): number => dispatcher.prototype.send.call(this, data));
  }

  constructor(sock?: socket | null, map?: SocketMap | null) {
    super(sock, map);
  }

  /** Python's `self.out_buffer` (bytes still to send); reading it joins the pieces once. */
  get out_buffer(): Buffer {
    const q = this.#out_buffer;
    const all = q.peek(q.length);
    q.clear();
    q.push(all);
    return all;
  }

  set out_buffer(data: BytesLike) {
    this.#out_buffer.clear();
    this.#out_buffer.push(as_buffer(data));
  }

  /**
   * One send of out_buffer[:65536], the rest kept: CPython's initiate_send, which sends even an
   * empty out_buffer, whether connected or not, and lets dispatcher.send's errors propagate.
   */
  initiate_send(): void {
    this.#out.flush(this.#send, SEND_SLICE);
  }

  override handle_write(): void {
    this.initiate_send();
  }

  override writable(): boolean {
    return !this.connected || this.#out_buffer.length > 0;
  }

  /** Queue data and send what the socket takes now; returns the bytes queued. */
  override send(data: BytesLike): number {
    const buf = as_buffer(data);
    if (this.debug) this.log_info(`sending ${bytes_repr(buf)}`);
    this.#out_buffer.push(buf);
    this.initiate_send();
    return buf.length;
  }
}
