// STARTTLS mid-conversation on an async_chat channel: a plain reply, then TLS, with the client's hello already buffered at the switch.
import * as net from "node:net";
import * as tls from "node:tls";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import * as asynchat from "../../src/asynchat/index.js";
import * as ssl from "../../src/ssl/index.js";
import { POLLIN, type socket } from "../../src/socket/index.js";
import { drive, within } from "../helpers/asyncore.js";
import { cert_path, server_context, tls_channel } from "../helpers/tls.js";
import { LoopbackListener } from "../helpers/loopback_listener.js";

/** A line server: STARTTLS answers in plain and switches to TLS; other lines are echoed. */
class Handler extends tls_channel(asynchat.async_chat) {
  private lines: Buffer[] = [];
  /** Between the plain "220" and the switch: reads wait, so the client's hello stays in the socket. */
  switching = false;
  /** At the switch: the socket already held bytes the channel had not recv()'d. */
  buffered_at_switch = false;
  constructor(sock: socket, map: asyncore.SocketMap, private readonly ctx: ssl.SSLContext) {
    super(sock, map);
    this.set_terminator(Buffer.from("\r\n"));
    this.push(Buffer.from("220 ready\r\n"));
  }
  override collect_incoming_data(data: Buffer): void {
    this.lines.push(data);
  }
  override found_terminator(): void {
    const line = Buffer.concat(this.lines).toString();
    this.lines = [];
    if (line === "STARTTLS") {
      this.push(Buffer.from("220 go ahead\r\n"));
      this.switching = true;
      return;
    }
    this.push(Buffer.from(`250 ${line} (${this.socket instanceof ssl.SSLSocket ? "tls" : "plain"})\r\n`));
  }
  override readable(): boolean {
    return !this.switching && super.readable();
  }
  override writable(): boolean {
    return this.switching || super.writable();
  }
  override handle_write(): void {
    super.handle_write();
    // Switch once the reply left and the client's hello has arrived (unread, in the socket).
    if (this.switching && this.producer_fifo.length === 0 && (this.socket!.poll_flags() & POLLIN) !== 0) {
      this.switching = false;
      this.buffered_at_switch = true;
      this.secure_connection(this.ctx, true);
    }
  }
}

class Server extends LoopbackListener {
  handler: Handler | null = null;
  override handle_accepted(sock: socket): void {
    this.handler = new Handler(sock, this._map, server_context());
  }
}

/** Reads `s` until `n` lines came. */
function lines(s: net.Socket | tls.TLSSocket, n: number): Promise<string[]> {
  return within(
    new Promise<string[]>((resolve) => {
      let got = "";
      const on = (d: Buffer): void => {
        got += d.toString();
        const ls = got.split("\r\n");
        if (ls.length > n) {
          s.off("data", on);
          resolve(ls.slice(0, n));
        }
      };
      s.on("data", on);
    }),
    5000,
    `${n} lines`,
  );
}

describe("ssl STARTTLS on async_chat: a plain reply, then TLS on the same connection", () => {
  for (const use_poll of [false, true]) {
    it(`${use_poll ? "poll" : "select"}: the client's hello, already in the socket at the switch, reaches TLS; lines echo over TLS`, async () => {
      const map: asyncore.SocketMap = new Map();
      const server = new Server(map);
      const stop = drive(map, use_poll);
      const addr = server.socket!.getsockname() as [string, number];
      const raw = net.connect({ host: "127.0.0.1", port: addr[1] });
      let secure: tls.TLSSocket | null = null;
      try {
        expect(await lines(raw, 1)).to.deep.equal(["220 ready"]);
        raw.write("EHLO plain\r\nSTARTTLS\r\n");
        expect(await lines(raw, 2)).to.deep.equal(["250 EHLO plain (plain)", "220 go ahead"]);
        secure = tls.connect({ socket: raw, servername: "localhost", ca: readFileSync(cert_path("ca.pem")) });
        await within(new Promise((r) => secure!.once("secureConnect", r)), 5000, "the TLS handshake");
        expect(secure.authorized).to.equal(true);
        secure.write("EHLO secure\r\n");
        expect(await lines(secure, 1)).to.deep.equal(["250 EHLO secure (tls)"]);
        expect(server.handler!.buffered_at_switch).to.equal(true);
        expect(server.handler!.handshakes).to.equal(1);
      } finally {
        secure?.destroy();
        raw.destroy();
        asyncore.close_all(map);
        await stop();
      }
    });
  }
});
