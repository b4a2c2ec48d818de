// TLS bench server on asyncore-ts/ssl: each accepted socket wrapped in handle_accepted, handshake driven by the loop, then echo (dispatcher_with_send).
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as asyncore from "../../src/asyncore/index.js";
import * as ssl from "../../src/ssl/index.js";
import type { socket } from "../../src/socket/index.js";

const certs = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures", "certs");
const use_poll = process.argv[2] === "poll";
const ctx = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
ctx.load_cert_chain(join(certs, "server.pem"), join(certs, "server.key"));

class Echo extends asyncore.dispatcher_with_send {
  private handshaking = true;
  constructor(sock: socket) {
    super(ctx.wrap_socket(sock, { server_side: true, do_handshake_on_connect: false }));
  }
  private step(): boolean {
    try {
      (this.socket as ssl.SSLSocket).do_handshake();
      this.handshaking = false;
    } catch (e) {
      if (e instanceof ssl.SSLWantReadError || e instanceof ssl.SSLWantWriteError) return false;
      this.close();
      return false;
    }
    return true;
  }
  override writable(): boolean {
    return !this.handshaking && super.writable();
  }
  override handle_read(): void {
    if (this.handshaking && !this.step()) return;
    let data: Buffer;
    try {
      data = this.recv(65536);
    } catch (e) {
      if (e instanceof ssl.SSLWantReadError) return;
      throw e;
    }
    if (data.length > 0) this.send(data);
  }
  /** As test_ftplib's SSLConnection does: TLS wanting the other direction means "nothing sent yet". */
  override send(data: Buffer): number {
    try {
      return super.send(data);
    } catch (e) {
      if (e instanceof ssl.SSLWantWriteError || e instanceof ssl.SSLWantReadError) return 0;
      throw e;
    }
  }
  override handle_close(): void {
    this.close();
  }
  override handle_error(err?: unknown): void {
    if (process.env.TLS_BENCH_DEBUG) console.error(err);
    this.close();
  }
}

class Server extends asyncore.dispatcher {
  constructor() {
    super();
    this.create_socket();
    this.set_reuse_addr();
    this.bind(["127.0.0.1", 0]);
    this.listen(1024);
  }
  override handle_accepted(sock: socket): void {
    new Echo(sock);
  }
}

// A profiler (--cpu-prof) writes its profile on a normal exit: Ctrl-C exits normally.
process.on("SIGINT", () => process.exit(0));
const s = new Server();
console.log((s.socket!.getsockname() as [string, number])[1]);
await asyncore.loop({ timeout: 1, use_poll });
