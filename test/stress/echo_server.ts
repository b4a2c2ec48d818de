// The stress programs' server: an asyncore echo server that closes each channel at EOF and counts what it saw.
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";

export const counts = { accepted: 0, closed: 0, errors: 0, bytes: 0 };

class EchoHandler extends asyncore.dispatcher_with_send {
  override handle_read(): void {
    const data = this.recv(65536);
    counts.bytes += data.length;
    if (data.length) this.send(data);
  }

  override handle_close(): void {
    counts.closed++;
    this.close();
  }

  // Peer resets are expected here; anything else is counted and the channel closed, as CPython's default does.
  override handle_error(): void {
    counts.errors++;
    this.close();
  }
}

export class EchoServer extends asyncore.dispatcher {
  constructor() {
    super();
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind(["127.0.0.1", 0]);
    this.listen(1024);
  }

  get port(): number {
    return (this.socket as socket.socket).getsockname()[1] as number;
  }

  override handle_accepted(sock: socket.socket): void {
    counts.accepted++;
    new EchoHandler(sock);
  }
}
