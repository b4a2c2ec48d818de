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
  constructor(private readonly handler: new (s: socket.socket) => asyncore.dispatcher) {
    super();
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind(["127.0.0.1", 0]);
    this.listen(1024);
  }
  override handle_accepted(sock: socket.socket): void {
    new this.handler(sock);
  }
}

process.on("SIGINT", () => process.exit(0));
const kind = process.argv[2] as keyof typeof handlers;
const s = new Server(handlers[kind]);
console.log((s.socket as socket.socket).getsockname()[1]);
await asyncore.loop({ timeout: 1, use_poll: process.argv[3] === "poll" });
