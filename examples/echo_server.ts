// The asyncore documentation's echo server, ported line by line.
import * as asyncore from "asyncore-ts/asyncore";
import * as socket from "asyncore-ts/socket";

export class EchoHandler extends asyncore.dispatcher_with_send {
  override handle_read(): void {
    const data = this.recv(8192);
    if (data.length) this.send(data);
  }
}

export class EchoServer extends asyncore.dispatcher {
  constructor(host: string, port: number, map?: asyncore.SocketMap) {
    super(null, map);
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind([host, port]);
    this.listen(5);
  }

  override handle_accepted(sock: socket.socket, addr: socket.Address): void {
    console.log(`Incoming connection from ${socket.format_address(addr)}`);
    new EchoHandler(sock, this._map);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = new EchoServer("localhost", Number(process.argv[2] ?? 8080));
  console.log(`echo server on ${socket.format_address((server.socket as socket.socket).getsockname())}`);
  await asyncore.loop();
}
