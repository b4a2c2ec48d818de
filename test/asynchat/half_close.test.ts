// A line server's reply backlog at the client's FIN: every reply arrives before the close (issue 9, item 8).
import * as net from "node:net";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { async_chat } from "../../src/asynchat/index.js";
import { AF_INET, SOCK_STREAM, type socket } from "../../src/socket/index.js";
import { with_timeout } from "../helpers/clients.js";

const REPLY = Buffer.from("250 OK\r\n");

describe("async_chat: pipelined commands then the client's FIN", () => {
  it("100,000 commands: all 100,000 replies arrive, and send() delivered every byte it took", async () => {
    // smtpd-style: one reply per line, async_chat's default handle_close at EOF. CPython's
    // socket takes the whole backlog (4 MB in one burst on Linux loopback), so every reply is
    // sent before the EOF is read; before the fix here 256 KiB + a little arrived.
    const N = 100_000;
    const map: asyncore.SocketMap = new Map();
    let accepted_by_send = 0;
    class Line extends async_chat {
      constructor(sock: socket) {
        super(sock, map);
        this.set_terminator(Buffer.from("\r\n"));
      }
      override collect_incoming_data(): void {}
      override found_terminator(): void {
        this.push(REPLY);
      }
      override send(data: Uint8Array): number {
        const n = super.send(data);
        accepted_by_send += n;
        return n;
      }
    }
    class Server extends asyncore.dispatcher {
      constructor() {
        super(null, map);
        this.create_socket(AF_INET, SOCK_STREAM);
        this.bind(["127.0.0.1", 0]);
        this.listen(5);
      }
      override handle_accepted(sock: socket): void {
        new Line(sock);
      }
    }
    const server = new Server();
    const port = (server.socket as socket).getsockname()[1] as number;
    const looping = asyncore.loop(0.5, true, map);
    try {
      const received = await with_timeout(
        new Promise<number>((resolve, reject) => {
          const c = net.connect(port, "127.0.0.1");
          let n = 0;
          c.on("error", reject);
          c.on("data", (d: Buffer) => (n += d.length));
          c.on("close", () => resolve(n));
          c.on("connect", () => c.end(Buffer.from("NOOP\r\n".repeat(N))));
        }),
        15_000,
        "the server's replies and close",
      );
      expect(received / REPLY.length, "replies received").to.equal(N);
      expect(received, "bytes send() took").to.equal(accepted_by_send);
    } finally {
      server.close();
      await looping;
    }
  });
});
