// Benchmark servers on asyncore-ts, the same three as the CPython ones: echo, chat_line, chat_bulk.
import * as asyncore from "asyncore-ts/asyncore";
import * as asynchat from "asyncore-ts/asynchat";
import * as socket from "asyncore-ts/socket";

class Echo extends asyncore.dispatcher_with_send {
  override handle_read(): void {
    const d = this.recv(8192);
    if (d.length) this.send(d);
  }
}

class ChatLine extends asynchat.async_chat {
  private buf: Buffer[] = [];
  constructor(sock: socket.socket) {
    super(sock);
    this.set_terminator(Buffer.from("\n"));
  }
  override collect_incoming_data(data: Buffer): void {
    this.buf.push(data);
  }
  override found_terminator(): void {
    this.buf.push(NL);
    this.push(Buffer.concat(this.buf));
    this.buf = [];
  }
}
const NL = Buffer.from("\n");

class ChatBulk extends asynchat.async_chat {
  constructor(sock: socket.socket) {
    super(sock);
    this.set_terminator(null);
  }
  override collect_incoming_data(data: Buffer): void {
    this.push(data);
  }
  override found_terminator(): void {}
}

const handlers = { echo: Echo, chat_line: ChatLine, chat_bulk: ChatBulk } as const;

class Server extends asyncore.dispatcher {
  constructor(private readonly handler: new (s: socket.socket) => asyncore.dispatcher, port = 0) {
    super();
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind(["127.0.0.1", port]);
    this.listen(1024);
  }
  override handle_accepted(sock: socket.socket): void {
    new this.handler(sock);
  }
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

// ours.js KIND MODE: prints the port it bound (0: a free one).
// ours.js KIND MODE --workers N --port P [--sharing reuseport|cluster]: run_workers(N); each
// worker prints "worker PID" once bound, for the runner to read each one's CPU time.
process.on("SIGINT", () => process.exit(0));
const kind = process.argv[2] as keyof typeof handlers;
const use_poll = process.argv[3] === "poll";
const workers = flag("--workers");
if (workers === undefined) {
  const s = new Server(handlers[kind]);
  console.log((s.socket as socket.socket).getsockname()[1]);
  await asyncore.loop({ timeout: 1, use_poll });
} else {
  const sharing = flag("--sharing") as asyncore.WorkerSharing | undefined;
  await asyncore.run_workers(
    Number(workers),
    async () => {
      new Server(handlers[kind], Number(flag("--port")));
      console.log(`worker ${process.pid}`);
      await asyncore.loop({ timeout: 1, use_poll });
    },
    // Only what went wrong reaches the runner's stderr, not the workers' start and stop lines.
    { ...(sharing ? { sharing } : {}), log: (m, type) => void (type !== "info" && console.error(`${type}: ${m}`)) },
  );
}
