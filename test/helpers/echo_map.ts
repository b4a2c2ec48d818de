// An echo server in a given map on a loopback port, its handlers kept for the test to look at.
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";

/** Echoes what it reads, counting the bytes; closes quietly when the peer does. */
export class Echo extends asyncore.dispatcher_with_send {
  received = 0;
  override handle_read(): void {
    const d = this.recv(65536);
    this.received += d.length;
    if (d.length > 0) this.send(d);
  }
  override handle_close(): void {
    this.close();
  }
}

/** Listens on 127.0.0.1, port 0; each accepted connection gets an Echo in the same map. */
export class EchoServer extends asyncore.dispatcher {
  readonly handlers: Echo[] = [];
  constructor(map: asyncore.SocketMap) {
    super(null, map);
    this.create_socket(socket.AF_INET);
    this.set_reuse_addr();
    this.bind(["127.0.0.1", 0]);
    this.listen(5);
  }
  get port(): number {
    return (this.socket!.getsockname() as [string, number])[1];
  }
  override handle_accepted(sock: socket.socket): void {
    this.handlers.push(new Echo(sock, this._map));
  }
}
