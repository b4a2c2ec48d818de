// A line server's reply backlog at the client's FIN: every reply arrives before the close (issue 9, item 8).
import * as net from "node:net";
import { execFile } from "node:child_process";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { async_chat } from "../../src/asynchat/index.js";
import { AF_INET, SOCK_STREAM, type socket } from "../../src/socket/index.js";
import { with_timeout } from "../helpers/clients.js";

/** An smtpd-style line server in `map`: one `reply` per "\n"-terminated command, async_chat's default handle_close at EOF. */
function line_server(map: asyncore.SocketMap, reply: Buffer): { port: number; taken: () => number; close: () => void } {
  let taken = 0;
  class Line extends async_chat {
    constructor(sock: socket) {
      super(sock, map);
      this.set_terminator(Buffer.from("\n"));
    }
    override collect_incoming_data(): void {}
    override found_terminator(): void {
      this.push(reply);
    }
    override send(data: Uint8Array): number {
      const n = super.send(data);
      taken += n;
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
  return { port: (server.socket as socket).getsockname()[1] as number, taken: () => taken, close: () => server.close() };
}

/** A client in another process (it reads while the server writes, as a real peer does): writes the commands, then FIN; prints the bytes it got. */
const CLIENT = `
const c = require("node:net").connect(Number(process.argv[1]), "127.0.0.1");
let n = 0;
c.on("data", (d) => (n += d.length));
c.on("close", () => console.log(n));
c.on("connect", () => c.end(Buffer.from(process.argv[3].repeat(Number(process.argv[2])))));
`;

function child_client(port: number, n: number, command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", CLIENT, String(port), String(n), command], { timeout: 15_000 }, (err, stdout) =>
      err ? reject(err) : resolve(Number(stdout.trim())),
    );
  });
}

describe("async_chat: pipelined commands then the client's FIN", () => {
  // CPython 3.11 (its socket takes a 4 MB burst on Linux loopback) delivers every reply before
  // asynchat's default handle_close at EOF drops what is still queued; here, before the fix,
  // 256 KiB and a little arrived.
  it("100,000 commands from a client in this process: all 100,000 replies arrive, and send() delivered every byte it took", async () => {
    const N = 100_000;
    const REPLY = Buffer.from("250 OK\r\n");
    const map: asyncore.SocketMap = new Map();
    const srv = line_server(map, REPLY);
    const looping = asyncore.loop(0.5, true, map);
    try {
      const received = await with_timeout(
        new Promise<number>((resolve, reject) => {
          const c = net.connect(srv.port, "127.0.0.1");
          let n = 0;
          c.on("error", reject);
          c.on("data", (d: Buffer) => (n += d.length));
          c.on("close", () => resolve(n));
          c.on("connect", () => c.end(Buffer.from("NOOP\n".repeat(N))));
        }),
        15_000,
        "the server's replies and close",
      );
      expect(received / REPLY.length, "replies received").to.equal(N);
      expect(received, "bytes send() took").to.equal(srv.taken());
    } finally {
      srv.close();
      await looping;
    }
  });

  it("100,000 two-byte commands with 31-byte replies (1 MB answered per read) from another process: every reply arrives", async () => {
    // One recv of 64 KiB makes 32,768 replies: a burst past SO_SNDBUF in one iteration, which
    // Linux's autotuned buffer takes (Connection.send_limit).
    const N = 100_000;
    const REPLY = Buffer.from("250 2.0.0 OK queued as ABCDEF\r\n");
    const map: asyncore.SocketMap = new Map();
    const srv = line_server(map, REPLY);
    const looping = asyncore.loop(0.5, true, map);
    try {
      const received = await child_client(srv.port, N, "Q\n");
      expect(received / REPLY.length, "replies received").to.equal(N);
      expect(received, "bytes send() took").to.equal(srv.taken());
    } finally {
      srv.close();
      await looping;
    }
  });
});
