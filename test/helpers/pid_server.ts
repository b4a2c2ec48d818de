// A test program: a server that answers each connection with its process's pid, run with run_workers().
//
//   node dist/test/helpers/pid_server.js PORT [--workers N] [--sharing reuseport|cluster] [--restart]
//                                             [--reuseport] [--return | --fail]
//
// Each worker prints "worker INDEX pid PID" once it has bound; the primary prints "primary PID"
// first and "primary done" when run_workers() has returned. --reuseport (with --workers 1) sets
// SO_REUSEPORT on the listening socket itself, for the socket-level tests. --return makes each
// worker's main return at once without serving, --fail makes it throw.
import cluster from "node:cluster";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";

class PidHandler extends asyncore.dispatcher {
  private out = Buffer.from(`${process.pid}\n`);

  override readable(): boolean {
    return true;
  }

  override writable(): boolean {
    return this.out.length > 0;
  }

  override handle_read(): void {
    this.recv(4096);
  }

  override handle_write(): void {
    this.out = this.out.subarray(this.send(this.out));
    if (this.out.length === 0) this.close();
  }

  override handle_close(): void {
    this.close();
  }
}

export class PidServer extends asyncore.dispatcher {
  constructor(port: number, reuseport = false, map?: asyncore.SocketMap) {
    super(null, map);
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    if (reuseport) (this.socket as socket.socket).setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1);
    this.bind(["127.0.0.1", port]);
    this.listen(128);
  }

  override handle_accepted(sock: socket.socket): void {
    new PidHandler(sock, this._map);
  }
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2]);
  const workers = Number(flag("--workers") ?? 1);
  const sharing = flag("--sharing") as asyncore.WorkerSharing | undefined;
  const restart = process.argv.includes("--restart");
  const reuseport = process.argv.includes("--reuseport");
  const primary = workers > 1 && cluster.isPrimary;
  if (primary) console.log(`primary ${process.pid}`);
  await asyncore.run_workers(
    workers,
    async (index) => {
      if (process.argv.includes("--fail")) throw new Error(`worker ${index} failing on purpose`);
      if (process.argv.includes("--return")) {
        console.log(`worker ${index} pid ${process.pid}`);
        return;
      }
      new PidServer(port, reuseport);
      console.log(`worker ${index} pid ${process.pid}`);
      await asyncore.loop();
    },
    { ...(sharing ? { sharing } : {}), restart, stop_timeout: 5 },
  );
  if (primary) console.log("primary done");
}
