// The asyncore documentation's echo server, ported line by line.
import * as asyncore from "asyncore-ts/asyncore";
import * as socket from "asyncore-ts/socket";
import { check_workers_port, take_workers_flag, type WorkersFlag } from "./workers_flag.js";

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

// node dist/examples/echo_server.js [port] [--workers N]   (localhost, port 8080 by default)
if (import.meta.url === `file://${process.argv[1]}`) {
  let flag: WorkersFlag | null = null;
  try {
    const f = take_workers_flag(process.argv.slice(2));
    check_workers_port(f.workers, Number(f.args[0] ?? 8080));
    flag = f;
  } catch (err) {
    console.error(`usage: node dist/examples/echo_server.js [port] [--workers N]  (${(err as Error).message})`);
    process.exitCode = 2;
  }
  if (flag !== null) {
    const { workers, args } = flag;
    // One server on every core: with --workers N, N processes each run this with a map of their own.
    await asyncore.run_workers(workers, async () => {
      const server = new EchoServer("localhost", Number(args[0] ?? 8080));
      const where = socket.format_address(server.socket!.getsockname());
      console.log(`echo server on ${where}${workers > 1 ? ` (pid ${process.pid})` : ""}`);
      await asyncore.loop();
    });
  }
}
