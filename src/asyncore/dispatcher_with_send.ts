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
   * Python's `self.out_buffer`: what send() queued and the socket has not taken yet. null while
   * empty; one Buffer while it holds one piece (a send the socket did not take at once); a
   * ByteQueue from the first send that queues behind another, keeping the pieces as they came (no
   * quadratic re-copy of the backlog, as CPython's `out_buffer + data`). Most sends are taken
   * whole at once: they leave no queue and no array behind.
   */
  #out: Buffer | ByteQueue | null = null;

  constructor(sock?: socket | null, map?: SocketMap | null) {
    super(sock, map);
    // Its first value a Buffer, then null: V8 records the field as holding any object from the
    // start, and the first send queued on any channel does not deoptimize the loop's pass, which
    // inlines writable() (bench/README.md, "The pass over a ChannelMap").
    this.#out = EMPTY;
    this.#out = null;
  }

  /** Python's `self.out_buffer` (bytes still to send); reading it joins the pieces once. */
  get out_buffer(): Buffer {
    const o = this.#out;
    if (o === null) return EMPTY;
    if (!(o instanceof ByteQueue)) return o;
    const all = o.peek(o.length);
    o.clear();
    o.push(all);
    return all;
  }

  set out_buffer(data: BytesLike) {
    const b = as_buffer(data);
    const o = this.#out;
    if (o instanceof ByteQueue) {
      o.clear();
      o.push(b);
    } else {
      this.#out = b.length === 0 ? null : b;
    }
  }

  /**
   * One send of out_buffer[:65536], the rest kept: CPython's initiate_send, which sends even an
   * empty out_buffer, whether connected or not, and lets dispatcher.send's errors propagate.
   * (CPython calls dispatcher.send here, skipping this class's queueing send().) Nothing leaves
   * out_buffer before the send returns, so an error leaves it as it was; what the send took is
   * then cut from out_buffer as it is after the send (a handler may have replaced it), as
   * CPython's `self.out_buffer = self.out_buffer[num_sent:]`.
   */
  initiate_send(): void {
    const o = this.#out;
    const num_sent = super.send(
      o === null ? EMPTY : o instanceof ByteQueue ? o.peek(SEND_SLICE) : o.length > SEND_SLICE ? o.subarray(0, SEND_SLICE) : o,
    );
    if (!num_sent) return;
    const now = this.#out;
    if (now instanceof ByteQueue) now.drop(num_sent);
    else if (now !== null) this.#out = num_sent >= now.length ? null : now.subarray(num_sent);
  }

  override handle_write(): void {
    this.initiate_send();
  }

  override writable(): boolean {
    // `=== true` first: the same answer as `!connected` alone, without V8's full ToBoolean of a
    // field it does not know to be a boolean, at every channel of every pass.
    const c = this.connected;
    if (c !== true && !c) return true;
    const o = this.#out;
    return o !== null && (!(o instanceof ByteQueue) || o.length > 0);
  }

  /** Queue data and send what the socket takes now; returns the bytes queued. */
  override send(data: BytesLike): number {
    const buf = as_buffer(data);
    if (this.debug) this.log_info(`sending ${bytes_repr(buf)}`);
    const o = this.#out;
    if (o === null) {
      if (buf.length > 0) this.#out = buf;
    } else if (o instanceof ByteQueue) {
      o.push(buf);
    } else if (buf.length > 0) {
      const q = new ByteQueue();
      q.push(o);
      q.push(buf);
      this.#out = q;
    }
    this.initiate_send();
    return buf.length;
  }
}

const EMPTY = Buffer.alloc(0);
