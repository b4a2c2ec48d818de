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
  out_buffer: Buffer = Buffer.alloc(0);

  constructor(sock?: socket | null, map?: SocketMap | null) {
    super(sock, map);
  }

  initiate_send(): void {
    const num_sent = dispatcher.prototype.send.call(this, this.out_buffer.subarray(0, SEND_SLICE));
    this.out_buffer = this.out_buffer.subarray(num_sent);
  }

  override handle_write(): void {
    this.initiate_send();
  }

  override writable(): boolean {
    return !this.connected || this.out_buffer.length > 0;
  }

  /** Queue data and send what the socket takes now; returns the bytes queued. */
  override send(data: BytesLike): number {
    const buf = as_buffer(data);
    if (this.debug) this.log_info(`sending ${bytes_repr(buf)}`);
    this.out_buffer = this.out_buffer.length ? Buffer.concat([this.out_buffer, buf]) : buf;
    this.initiate_send();
    return buf.length;
  }
}
