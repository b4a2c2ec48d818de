// TLS over asyncore channels: server side in handle_accepted, client side on a connecting dispatcher, under select and poll, every family.
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import * as asynchat from "../../src/asynchat/index.js";
import * as ssl from "../../src/ssl/index.js";
import type { socket, Address } from "../../src/socket/index.js";
import { LOOP_CASES, loop_until } from "../helpers/asyncore.js";
import { client_context, server_context, tls_channel } from "../helpers/tls.js";

/** An echo handler: async_chat over the wrapped accepted socket, answering each line. */
class EchoHandler extends tls_channel(asynchat.async_chat) {
  constructor(sock: socket, map: asyncore.SocketMap) {
    super(sock, map);
    this.set_terminator(Buffer.from("\n"));
  }
  buf: Buffer[] = [];
  override collect_incoming_data(data: Buffer): void {
    this.buf.push(data);
  }
  override found_terminator(): void {
    const line = Buffer.concat(this.buf);
    this.buf = [];
    this.push(Buffer.concat([Buffer.from("echo: "), line, Buffer.from("\n")]));
  }
}

class Server extends asyncore.dispatcher {
  handlers: EchoHandler[] = [];
  constructor(family: number, addr: Address, readonly ctx: ssl.SSLContext, map: asyncore.SocketMap) {
    super(null, map);
    this.create_socket(family);
    this.bind(addr);
    this.listen(5);
  }
  override handle_accepted(sock: socket): void {
    const h = new EchoHandler(sock, this._map);
    h.secure_connection(this.ctx, true);
    this.handlers.push(h);
  }
}

class Client extends tls_channel(asyncore.dispatcher_with_send) {
  received = Buffer.alloc(0);
  constructor(family: number, addr: Address, readonly ctx: ssl.SSLContext, readonly host: string | null, map: asyncore.SocketMap) {
    super(null, map);
    this.create_socket(family);
    this.connect(addr);
  }
  override handle_connect(): void {
    this.secure_connection(this.ctx, false, this.host);
  }
  /** dispatcher calls handle_write() right after handle_connect(): still handshaking then. */
  override handle_write(): void {
    if (this._ssl_accepting) this._do_ssl_handshake();
    else super.handle_write();
  }
  override handshake_done(): void {
    this.send(Buffer.from("hello\nworld\n"));
  }
  override handle_read(): void {
    this.received = Buffer.concat([this.received, this.recv(8192)]);
  }
}

describe("ssl: a handshake driven by the loop, server side in handle_accepted and client side on connect", () => {
  for (const c of LOOP_CASES) {
    it(`${c.label}: both sides complete, then lines echo through async_chat and dispatcher_with_send`, async () => {
      const map: asyncore.SocketMap = new Map();
      try {
        const server = new Server(c.family, c.addr(), server_context(), map);
        const ctx = client_context();
        // AF_UNIX has no host name to check: the client verifies the chain only.
        if (c.host === "") ctx.check_hostname = false;
        const client = new Client(c.family, server.socket!.getsockname(), ctx, c.host === "" ? null : c.host, map);
        await loop_until(() => client.received.toString().split("\n").length > 2, { use_poll: c.use_poll, map, what: "echoed lines" });
        expect(client.received.toString()).to.equal("echo: hello\necho: world\n");
        expect(client.handshakes).to.equal(1);
        expect(server.handlers[0]!.handshakes).to.equal(1);
        const s = client.socket as ssl.SSLSocket;
        expect(s).to.be.instanceOf(ssl.SSLSocket);
        expect(s.version()).to.equal("TLSv1.3");
        expect(s.cipher()![1]).to.equal("TLSv1.3");
      } finally {
        asyncore.close_all(map);
      }
    });
  }
});
