// The loop's own contract (ARCHITECTURE.md, "The loop's rules"): arguments, yielding, event-driven
// waits and wake-ups, several maps at once, idle CPU, ExitNow, and no handler calls after close.
import { expect } from "chai";
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket as NodeSocket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { loop_until, within } from "../helpers/asyncore.js";
import { receive_exactly } from "../helpers/net.js";

let dir: string;
let file_path: string;

/** A channel over a regular file: always ready for reading and writing, as Linux reports files. */
class FileChannel extends asyncore.file_dispatcher {
  calls: string[] = [];
  constructor(map: asyncore.SocketMap, private readonly r = false, private readonly w = true) {
    const fd = openSync(file_path, "r");
    try {
      super(fd, map);
    } finally {
      closeSync(fd);
    }
  }
  override readable(): boolean {
    return this.r;
  }
  override writable(): boolean {
    return this.w;
  }
  override handle_read(): void {
    this.calls.push("read");
  }
  override handle_write(): void {
    this.calls.push("write");
  }
  override handle_close(): void {
    this.calls.push("close");
    this.close();
  }
  override handle_error(err?: unknown): void {
    this.calls.push(`error ${String(err)}`);
    this.close();
  }
}

/** A Node server outside every map, and the server side of its first connection. */
async function node_peer(): Promise<{ server: Server; port: number; conn: Promise<NodeSocket> }> {
  let got!: (c: NodeSocket) => void;
  const conn = new Promise<NodeSocket>((r) => (got = r));
  const server = createServer({ allowHalfOpen: true }, (c) => {
    c.on("error", () => undefined);
    got(c);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as { port: number }).port, conn };
}

/** A dispatcher_with_send client connected (through `map`'s loop) to a Node peer. */
async function connected_client(map: asyncore.SocketMap, use_poll: boolean) {
  const peer = await node_peer();
  class Client extends asyncore.dispatcher_with_send {
    received: Buffer[] = [];
    override handle_connect(): void {}
    override handle_read(): void {
      const d = this.recv(65536);
      if (d.length) this.received.push(d);
    }
    override handle_close(): void {
      this.close();
    }
  }
  const client = new Client(null, map);
  client.create_socket(socket.AF_INET);
  client.connect(["127.0.0.1", peer.port]);
  await loop_until(() => client.connected, { use_poll, map, what: "connected" });
  const conn = await within(peer.conn, 5000, "peer accepted");
  return { client, conn, server: peer.server };
}

const servers: Server[] = [];
const maps: asyncore.SocketMap[] = [];
function new_map(): asyncore.SocketMap {
  const m: asyncore.SocketMap = new Map();
  maps.push(m);
  return m;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "asyncore-ts-loop-"));
  file_path = join(dir, "f");
  writeFileSync(file_path, "data");
});
after(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  for (const m of maps.splice(0)) asyncore.close_all(m, true);
  asyncore.close_all(null, true);
  for (const s of servers.splice(0)) {
    s.close();
  }
});

for (const use_poll of [false, true]) {
  describe(`loop (${use_poll ? "poll2" : "poll"})`, () => {
    it("takes positional (timeout, use_poll, map, count) and runs count iterations", async () => {
      const map = new_map();
      const ch = new FileChannel(map);
      await asyncore.loop(0.01, use_poll, map, 3);
      expect(ch.calls).to.deep.equal(["write", "write", "write"]);
    });

    it("takes an options object { timeout, use_poll, map, count }", async () => {
      const map = new_map();
      const ch = new FileChannel(map);
      await asyncore.loop({ timeout: 0.01, use_poll, map, count: 4 });
      expect(ch.calls).to.deep.equal(["write", "write", "write", "write"]);
    });

    it("returns when the map is empty, without count", async () => {
      const map = new_map();
      class Closer extends FileChannel {
        override handle_write(): void {
          super.handle_write();
          if (this.calls.length === 3) this.close();
        }
      }
      const ch = new Closer(map);
      await within(asyncore.loop({ timeout: 30, use_poll, map }), 2000, "loop resolves");
      expect(ch.calls).to.deep.equal(["write", "write", "write"]);
      expect(map.size).to.equal(0);
    });

    it("yields to Node's event loop every iteration", async () => {
      const map = new_map();
      let immediates = 0;
      const seen: number[] = [];
      class Yielding extends FileChannel {
        override handle_write(): void {
          seen.push(immediates);
          setImmediate(() => immediates++);
        }
      }
      new Yielding(map);
      await asyncore.loop({ timeout: 0, use_poll, map, count: 20 });
      // Before iteration n, the immediates of iterations 0..n-1 have all run.
      expect(seen).to.deep.equal([...Array(20).keys()]);
    });

    it("runs handlers of every ready channel, in map order", async () => {
      const map = new_map();
      const a = new FileChannel(map);
      const b = new FileChannel(map, true, false);
      await asyncore.loop({ timeout: 0.01, use_poll, map, count: 2 });
      expect(a.calls).to.deep.equal(["write", "write"]);
      expect(b.calls).to.deep.equal(["read", "read"]);
    });

    it("ExitNow from a handler rejects loop() and leaves the channel in the map", async () => {
      const map = new_map();
      class Exiting extends FileChannel {
        override handle_write(): void {
          throw new asyncore.ExitNow("stop");
        }
      }
      const ch = new Exiting(map);
      let err: unknown;
      await asyncore.loop({ timeout: 0.01, use_poll, map, count: 5 }).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(asyncore.ExitNow);
      expect(map.get(ch._fileno!)).to.equal(ch);
    });

    it("an error thrown by handle_error rejects loop()", async () => {
      const map = new_map();
      class Raising extends FileChannel {
        override handle_write(): void {
          throw new RangeError("in handler");
        }
        override handle_error(err?: unknown): void {
          throw err;
        }
      }
      new Raising(map);
      let err: unknown;
      await asyncore.loop({ timeout: 0.01, use_poll, map, count: 5 }).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(RangeError);
    });

    it("a channel closed by another channel's handler gets no handler call in that iteration", async () => {
      const map = new_map();
      let b: FileChannel;
      class Killer extends FileChannel {
        override handle_write(): void {
          super.handle_write();
          b.close();
        }
      }
      const a = new Killer(map);
      b = new FileChannel(map); // only writable: dispatched after a, whose handler closes it
      await asyncore.loop({ timeout: 0.01, use_poll, map, count: 2 });
      expect(a.calls).to.deep.equal(["write", "write"]);
      expect(b.calls).to.deep.equal([]);
    });

    it("a channel that closes itself in handle_read gets no write/close call for the same iteration", async () => {
      const map = new_map();
      class SelfCloser extends FileChannel {
        override handle_read(): void {
          super.handle_read();
          this.close();
        }
      }
      const ch = new SelfCloser(map, true, true);
      await asyncore.loop({ timeout: 0.01, use_poll, map, count: 2 });
      expect(ch.calls).to.deep.equal(["read"]);
    });

    it("a channel closed from a callback while the loop waits does not fail the loop", async () => {
      const map = new_map();
      const idle = await connected_client(map, use_poll); // in the read set, never ready
      let scheduled = false;
      class Ticker extends FileChannel {
        override handle_write(): void {
          super.handle_write();
          if (!scheduled) {
            scheduled = true;
            // Runs during the next iteration's yield, after its sets were built.
            setImmediate(() => idle.client.close());
          }
        }
      }
      const t = new Ticker(map);
      await asyncore.loop({ timeout: 0.01, use_poll, map, count: 4 });
      expect(t.calls.filter((c) => c.startsWith("error"))).to.deep.equal([]);
      expect(t.calls.length).to.be.at.least(3);
      expect(map.has(idle.client._fileno ?? -1)).to.equal(false);
      idle.server.close();
    });

    it("output queued from a timer is sent at once although the loop waits with timeout 30", async () => {
      const map = new_map();
      const { client, conn, server } = await connected_client(map, use_poll);
      servers.push(server);
      // A small send buffer: send() takes part, the rest waits in out_buffer for the loop.
      (client.socket as socket.socket).setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1024);
      const payload = Buffer.alloc(100_000, "x");
      let pushed = 0;
      setTimeout(() => {
        pushed = performance.now();
        client.send(payload);
      }, 50);
      const running = asyncore.loop({ timeout: 30, use_poll, map });
      const got = await receive_exactly(conn, payload.length, 5000);
      const elapsed = performance.now() - pushed;
      expect(got.length).to.equal(payload.length);
      expect(elapsed).to.be.below(1000);
      client.close();
      await within(running, 1000, "loop ends once the map is empty");
    });

    it("a channel added from a timer while the loop waits is served at once", async () => {
      const map = new_map();
      const { client, server } = await connected_client(map, use_poll);
      servers.push(server);
      let added = 0;
      let served = 0;
      class Late extends FileChannel {
        override handle_write(): void {
          served = performance.now();
          this.close();
          client.close();
        }
      }
      setTimeout(() => {
        added = performance.now();
        new Late(map);
      }, 50);
      await within(asyncore.loop({ timeout: 30, use_poll, map }), 5000, "loop ends");
      expect(served).to.be.greaterThan(0);
      expect(served - added).to.be.below(1000);
    });

    it("wake(map) from a timer makes a waiting loop re-read writable() at once", async () => {
      const map = new_map();
      const { client, server } = await connected_client(map, use_poll);
      servers.push(server);
      let ready = false;
      let woke = 0;
      let written = 0;
      class Gated extends FileChannel {
        override writable(): boolean {
          return ready;
        }
        override handle_write(): void {
          written = performance.now();
          this.close();
          client.close();
        }
      }
      new Gated(map);
      setTimeout(() => {
        ready = true;
        woke = performance.now();
        asyncore.wake(map);
      }, 50);
      await within(asyncore.loop({ timeout: 30, use_poll, map }), 5000, "loop ends");
      expect(written).to.be.greaterThan(0);
      expect(written - woke).to.be.below(1000);
    });

    it("a channel removed from a timer while the loop waits ends the loop at once", async () => {
      const map = new_map();
      const { client, server } = await connected_client(map, use_poll);
      servers.push(server);
      let closed = 0;
      setTimeout(() => {
        closed = performance.now();
        client.close();
      }, 50);
      await within(asyncore.loop({ timeout: 30, use_poll, map }), 5000, "loop ends");
      expect(performance.now() - closed).to.be.below(1000);
    });
  });
}

describe("loop (several maps, idle cost)", () => {
  it("poll3 is poll2, as in CPython", () => {
    expect(asyncore.poll3).to.equal(asyncore.poll2);
  });

  it("two maps loop at the same time: one serves while the other waits", async () => {
    const waiting = new_map();
    const busy = new_map();
    // The waiting map: an idle listener and a 30 s timeout.
    const idle = new asyncore.dispatcher(null, waiting);
    idle.create_socket(socket.AF_INET);
    idle.bind(["127.0.0.1", 0]);
    idle.listen(5);
    let waiting_done = 0;
    const w = asyncore.loop({ timeout: 30, map: waiting }).then(() => (waiting_done = performance.now()));

    // The busy map: an echo exchange, with the select loop and then with the poll loop.
    for (const use_poll of [false, true]) {
      class Echo extends asyncore.dispatcher_with_send {
        override handle_read(): void {
          const d = this.recv(8192);
          if (d.length) this.send(d);
        }
        override handle_close(): void {
          this.close();
        }
      }
      class Server extends asyncore.dispatcher {
        override handle_accepted(sock: socket.socket): void {
          new Echo(sock, busy);
          this.close();
        }
      }
      const srv = new Server(null, busy);
      srv.create_socket(socket.AF_INET);
      srv.bind(["127.0.0.1", 0]);
      srv.listen(5);
      let echoed = "";
      class Client extends asyncore.dispatcher_with_send {
        override handle_connect(): void {}
        override handle_read(): void {
          echoed += this.recv(8192).toString();
          if (echoed === "ping") this.close();
        }
        override handle_close(): void {
          this.close();
        }
      }
      const cl = new Client(null, busy);
      cl.create_socket(socket.AF_INET);
      cl.connect((srv.socket as socket.socket).getsockname());
      cl.send(Buffer.from("ping"));
      await within(asyncore.loop({ timeout: 30, use_poll, map: busy }), 5000, "busy map done");
      expect(echoed).to.equal("ping");
    }
    expect(waiting_done).to.equal(0);
    expect(waiting.size).to.equal(1);
    const t0 = performance.now();
    idle.close();
    await within(w, 1000, "waiting map's loop ends");
    expect(waiting_done - t0).to.be.below(1000);
  });

  it("idle loop({timeout: 1}) on two maps (select and poll) for 2 s burns under 5% of a core", async function () {
    this.timeout(10000);
    const a = new_map();
    const b = new_map();
    const la = new asyncore.dispatcher(null, a);
    la.create_socket(socket.AF_INET);
    la.bind(["127.0.0.1", 0]);
    la.listen(5);
    const { client } = await connected_client(b, true);
    await new Promise((r) => setImmediate(r));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const timer = setTimeout(() => {
      la.close();
      client.close();
    }, 2000);
    try {
      await within(
        Promise.all([asyncore.loop({ timeout: 1, map: a }), asyncore.loop({ timeout: 1, use_poll: true, map: b })]),
        4000,
        "both loops end when their channels close",
      );
    } finally {
      clearTimeout(timer);
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpu_ms = (cpu.user + cpu.system) / 1000;
    expect(wall).to.be.within(1900, 3000);
    expect(cpu_ms / wall).to.be.below(0.05);
  });
});
