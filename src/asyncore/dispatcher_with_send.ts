// asyncore.dispatcher_with_send: a dispatcher that buffers what send() could not write yet.
import type { BytesLike, socket } from "../socket/index.js";
import { as_buffer } from "../socket/index.js";
import { dispatcher } from "./dispatcher.js";
import type { SocketMap } from "./map.js";

const SEND_SLICE = 65536;

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
    if (this.debug) this.log_info(`sending ${JSON.stringify(buf.toString("latin1"))}`);
    this.out_buffer = this.out_buffer.length ? Buffer.concat([this.out_buffer, buf]) : buf;
    this.initiate_send();
    return buf.length;
  }
}
