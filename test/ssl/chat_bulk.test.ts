// async_chat over an SSLSocket under loop(): 16 MiB pushed to a slow TLS reader arrives byte-exact, with no SSLWantWriteError.
import * as tls from "node:tls";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import * as asynchat from "../../src/asynchat/index.js";
import type { socket } from "../../src/socket/index.js";
import { drive, within } from "../helpers/asyncore.js";
import { pattern } from "../helpers/net.js";
import { cert_path, server_context, tls_channel } from "../helpers/tls.js";
import { LoopbackListener } from "../helpers/loopback_listener.js";

const SIZE = 16 * 1024 * 1024;
const DATA = pattern(SIZE, 3);

/** On "GET\n", pushes the 16 MiB in 1 MiB pushes (each push sends once; the rest goes as the socket is writable). */
class Pusher extends tls_channel(asynchat.async_chat) {
  constructor(sock: socket, map: asyncore.SocketMap) {
    super(sock, map);
    this.set_terminator(Buffer.from("\n"));
    this.secure_connection(server_context(), true);
  }
  override collect_incoming_data(): void {}
  override found_terminator(): void {
    for (let at = 0; at < SIZE; at += 1 << 20) this.push(DATA.subarray(at, at + (1 << 20)));
    this.close_when_done();
  }
}

class Server extends LoopbackListener {
  override handle_accepted(sock: socket): void {
    new Pusher(sock, this._map);
  }
}

describe("ssl async_chat bulk: 16 MiB pushed over TLS to a slow reader under loop()", function () {
  this.timeout(60000);
  for (const use_poll of [false, true]) {
    it(`${use_poll ? "poll" : "select"}: byte-exact, and handle_error never ran`, async () => {
      const map: asyncore.SocketMap = new Map();
      const server = new Server(map);
      const errors: unknown[] = [];
      const orig = asyncore.dispatcher.prototype.handle_error;
      asyncore.dispatcher.prototype.handle_error = function (this: asyncore.dispatcher, e?: unknown) {
        errors.push(e);
        orig.call(this, e);
      };
      const stop = drive(map, use_poll);
      const port = (server.socket!.getsockname() as [string, number])[1];
      const c = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: readFileSync(cert_path("ca.pem")) });
      try {
        await within(new Promise((r) => c.once("secureConnect", r)), 5000, "the handshake");
        c.write("GET\n");
        const parts: Buffer[] = [];
        let got = 0;
        await within(
          new Promise<void>((resolve) => {
            c.on("data", (d: Buffer) => {
              parts.push(d);
              got += d.length;
              // A slow reader: pause for 2 ms after every 256 KiB.
              if (got % (256 * 1024) < d.length) {
                c.pause();
                setTimeout(() => c.resume(), 2);
              }
            });
            c.on("end", () => resolve());
          }),
          50000,
          "16 MiB",
        );
        expect(got).to.equal(SIZE);
        expect(Buffer.concat(parts).equals(DATA)).to.equal(true);
        expect(errors).to.deep.equal([]);
      } finally {
        asyncore.dispatcher.prototype.handle_error = orig;
        c.destroy();
        asyncore.close_all(map);
        await stop();
      }
    });
  }
});
