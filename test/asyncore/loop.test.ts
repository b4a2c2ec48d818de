// The loop's own contract (ARCHITECTURE.md, "The loop's rules"): arguments, yielding, event-driven
// waits and wake-ups, several maps at once, an idle loop's timer, ExitNow, and no handler calls after close.
import { expect } from "chai";
import { openSync, closeSync } from "node:fs";
import { createServer, type Server, type Socket as NodeSocket } from "node:net";
import { fileURLToPath } from "node:url";
import * as sinon from "sinon";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { loop_until, when_waiting, within } from "../helpers/asyncore.js";
import { prng, rand_int } from "../helpers/chat.js";
import { FAMILIES, accept_one, listening_socket, receive_exactly, wait_for } from "../helpers/net.js";

/** A regular file: Linux reports it always ready for reading and writing. This test's own file will do. */
const A_FILE = fileURLToPath(import.meta.url);

/** A channel over a regular file: always ready for reading and writing, as Linux reports files. */
class FileChannel extends asyncore.file_dispatcher {
  calls: string[] = [];
  constructor(map: asyncore.SocketMap, private readonly r = false, private readonly w = true) {
    const fd = openSync(A_FILE, "r");
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

/**
 * Registers, in the calling describe, an afterEach that closes every map made with new_map() and
 * every Node server and connection made with connected_client(); returns those two makers.
 */
function resources() {
  const maps: asyncore.SocketMap[] = [];
  const servers: Server[] = [];
  const conns: NodeSocket[] = [];
  afterEach(async () => {
    for (const m of maps.splice(0)) asyncore.close_all(m, true);
    for (const c of conns.splice(0)) c.destroy();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  function new_map(): asyncore.SocketMap {
    const m: asyncore.SocketMap = new Map();
    maps.push(m);
    return m;
  }

  /** A Client in `map`, connected (through `map`'s loop) to a Node server outside every map; `conn` is the server's end. */
  async function connected_client(map: asyncore.SocketMap, use_poll: boolean): Promise<{ client: Client; conn: NodeSocket }> {
    let got!: (c: NodeSocket) => void;
    const accepted = new Promise<NodeSocket>((r) => (got = r));
    const server = createServer({ allowHalfOpen: true }, (c) => {
      c.on("error", () => undefined);
      conns.push(c);
      got(c);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const client = new Client(null, map);
    client.create_socket(socket.AF_INET);
    client.connect(["127.0.0.1", (server.address() as { port: number }).port]);
    await loop_until(() => client.connected, { use_poll, map, what: "connected" });
    const conn = await within(accepted, 5000, "peer accepted");
    return { client, conn };
  }

  return { new_map, connected_client };
}

for (const use_poll of [false, true]) {
  describe(`loop (${use_poll ? "poll2" : "poll"})`, () => {
    const { new_map, connected_client } = resources();

    it("takes positional (timeout, use_poll, map, count) and runs count iterations", async () => {
      const map = new_map();
      const ch = new FileChannel(map);
      await asyncore.loop(0.01, use_poll, map, 3);
      expect(ch.calls).to.deep.equal(["write", "write", "write"]);
    });

    it("dispatches in the map's order, not the descriptors' (a channel taken out of the map and put back comes last), as CPython", async () => {
      const map = new_map();
      const order: string[] = [];
      class Named extends FileChannel {
        constructor(m: asyncore.SocketMap, readonly name: string) {
          super(m);
        }
        ready = true;
        override writable(): boolean {
          return this.ready;
        }
        override handle_write(): void {
          order.push(this.name);
        }
      }
      const a = new Named(map, "a");
      const b = new Named(map, "b");
      const c = new Named(map, "c");
      expect((a._fileno as number) < (b._fileno as number) && (b._fileno as number) < (c._fileno as number)).to.equal(true);
      // Taken out of the map and put back: last in the map's order (a dict's, and a Map's).
      const fd = a._fileno as number;
      map.delete(fd);
      map.set(fd, a);
      await asyncore.loop(0.01, use_poll, map, 1);
      expect(order.splice(0)).to.deep.equal(["b", "c", "a"]);
      // c without an interest for one iteration keeps its place in the map, and in the dispatch.
      c.ready = false;
      await asyncore.loop(0.01, use_poll, map, 1);
      c.ready = true;
      await asyncore.loop(0.01, use_poll, map, 1);
      expect(order.splice(0)).to.deep.equal(["b", "a", "b", "c", "a"]);
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
      await within(asyncore.loop({ timeout: 30, use_poll, map }), 5000, "loop resolves");
      expect(ch.calls).to.deep.equal(["write", "write", "write"]);
      expect(map.size).to.equal(0);
    });

    it("yields a turn of Node's event loop at least once every 8 iterations when something is ready every time", async () => {
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
      // Iterations 0, 8 and 16 yield a turn of Node's loop (the run's first, then after seven
      // turns of the tick queue): the immediates queued before each have all run by then.
      expect(seen).to.deep.equal([...Array(8).fill(0), ...Array(8).fill(8), ...Array(4).fill(16)]);
    });

    it("runs what a handler queued with nextTick before the next iteration's handlers, every iteration", async () => {
      const map = new_map();
      let ticks = 0;
      const seen: number[] = [];
      class Ticking extends FileChannel {
        override handle_write(): void {
          seen.push(ticks);
          process.nextTick(() => ticks++);
        }
      }
      new Ticking(map);
      await asyncore.loop({ timeout: 0, use_poll, map, count: 20 });
      expect(seen).to.deep.equal([...Array(20).keys()]);
    });

    it("yields a turn of Node's event loop each time nothing is ready (timeout 0)", async () => {
      const map = new_map();
      const idle = await connected_client(map, use_poll); // in the read set, never ready
      let immediates = 0;
      const seen: number[] = [];
      let live = true;
      const tick = (): void => {
        if (!live) return;
        immediates++;
        setImmediate(tick);
      };
      setImmediate(tick);
      for (let i = 0; i < 5; i++) {
        const before = immediates;
        await asyncore.loop({ timeout: 0, use_poll, map, count: 3 });
        seen.push(immediates - before);
      }
      live = false;
      idle.client.close();
      // Each loop(count=3) over a map where nothing is ready takes three turns of Node's loop.
      expect(seen).to.deep.equal([3, 3, 3, 3, 3]);
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

    // The close runs in a later iteration's yield, after that iteration's sets were built.
    const closers: ReadonlyArray<readonly [string, (f: () => void) => void, number]> = [
      ["a callback while the loop waits (its next turn of Node's loop: the ninth iteration's yield, after seven turns of the tick queue)", (f) => setImmediate(f), 12],
      ["a handler's nextTick (the next iteration's yield, a turn of the tick queue)", (f) => process.nextTick(f), 4],
    ];
    for (const [when, schedule, count] of closers) {
      it(`a channel closed from ${when} does not fail the loop`, async () => {
        const map = new_map();
        const idle = await connected_client(map, use_poll); // in the read set, never ready
        let scheduled = false;
        class Ticker extends FileChannel {
          override handle_write(): void {
            super.handle_write();
            if (!scheduled) {
              scheduled = true;
              schedule(() => idle.client.close());
            }
          }
        }
        const t = new Ticker(map);
        await asyncore.loop({ timeout: 0.01, use_poll, map, count });
        expect(t.calls.filter((c) => c.startsWith("error"))).to.deep.equal([]);
        expect(t.calls.length).to.be.at.least(3);
        expect(map.has(idle.client._fileno ?? -1)).to.equal(false);
      });
    }

    // The next four: the loop waits with timeout 30 s on an idle map; something outside every
    // handler changes what it waits for. It must notice at once: each test bounds the loop to 5 s.

    it("output queued outside a handler while the loop waits is sent at once", async () => {
      const map = new_map();
      const { client, conn } = await connected_client(map, use_poll);
      // A small send buffer: send() takes part, the rest waits in out_buffer for the loop.
      (client.socket as socket.socket).setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1024);
      const payload = Buffer.alloc(100_000, "x");
      when_waiting(client, () => client.send(payload));
      const running = asyncore.loop({ timeout: 30, use_poll, map });
      const got = await receive_exactly(conn, payload.length, 5000);
      expect(got).to.deep.equal(payload);
      client.close();
      await within(running, 5000, "loop ends once the map is empty");
    });

    it("a channel added outside a handler while the loop waits is served at once", async () => {
      const map = new_map();
      const { client } = await connected_client(map, use_poll);
      const late: FileChannel[] = [];
      class Late extends FileChannel {
        override handle_write(): void {
          super.handle_write();
          this.close();
          client.close();
        }
      }
      when_waiting(client, () => late.push(new Late(map)));
      await within(asyncore.loop({ timeout: 30, use_poll, map }), 5000, "loop ends");
      expect(late.map((ch) => ch.calls)).to.deep.equal([["write"]]);
    });

    it("wake(map) outside a handler makes a waiting loop re-read writable() at once", async () => {
      const map = new_map();
      const { client } = await connected_client(map, use_poll);
      let ready = false;
      class Gated extends FileChannel {
        override writable(): boolean {
          return ready;
        }
        override handle_write(): void {
          super.handle_write();
          this.close();
          client.close();
        }
      }
      const gated = new Gated(map);
      when_waiting(client, () => {
        ready = true;
        asyncore.wake(map);
      });
      await within(asyncore.loop({ timeout: 30, use_poll, map }), 5000, "loop ends");
      expect(gated.calls).to.deep.equal(["write"]);
    });

    it("a channel removed outside a handler while the loop waits ends the loop at once", async () => {
      const map = new_map();
      const { client } = await connected_client(map, use_poll);
      when_waiting(client, () => client.close());
      await within(asyncore.loop({ timeout: 30, use_poll, map }), 5000, "loop ends");
      expect(map.size).to.equal(0);
    });
  });
}

// A ChannelMap's pass walks its arrays, where a Map's walks its iterators: under predicates that
// take channels out of the map and put them back in the middle of a pass (enough at once for
// the arrays to have holes to squeeze), both must make the same calls in the same order.
describe("poll over a ChannelMap: the same calls as over a Map while predicates change the map", () => {
  const cleanup: asyncore.SocketMap[] = [];
  afterEach(() => {
    for (const m of cleanup.splice(0)) asyncore.close_all(m, true);
  });

  async function run(m: asyncore.SocketMap, poll_fun: typeof asyncore.poll): Promise<string[]> {
    cleanup.push(m);
    const log: string[] = [];
    const chs: FileChannel[] = [];
    // A seeded sequence: the same decisions for the same sequence of calls.
    const rnd = prng(12345);
    const next = (n: number): number => rand_int(rnd, 0, n - 1);
    // Iterations take turns: moves (delete and set again: to the map's end, where the walk may
    // reach it again), mass deletes (more holes than the arrays keep: src/asyncore/channel_map.ts),
    // a quiet pass, then channels put back.
    let phase = 0;
    const pick = (): FileChannel => chs[next(chs.length)] as FileChannel;
    for (let i = 0; i < 80; i++) {
      const ch = new FileChannel(m, true, i % 3 === 0);
      const name = `c${i}`;
      ch.handle_read = () => void log.push(`${name} read`);
      ch.handle_write = () => void log.push(`${name} write`);
      const r = ch.readable.bind(ch);
      ch.readable = () => {
        log.push(name);
        const roll = next(10);
        if (phase === 0 && roll < 3) {
          const other = pick();
          m.delete(other._fileno as number);
          m.set(other._fileno as number, other);
        } else if (phase === 1 && roll === 0) {
          for (let k = 0; k < 20; k++) m.delete(pick()._fileno as number);
        } else if (phase === 3 && roll < 3) {
          for (let k = 0; k < 8; k++) {
            const other = pick();
            if (!m.has(other._fileno as number)) m.set(other._fileno as number, other);
          }
        }
        return r();
      };
      chs.push(ch);
    }
    try {
      for (let i = 0; i < 24; i++) {
        phase = i % 4;
        log.push(`-- ${m.size}`);
        await poll_fun(0, m);
      }
    } finally {
      for (const ch of chs) ch.close();
    }
    return log;
  }

  for (const [name, poll_fun] of [["poll", asyncore.poll], ["poll2", asyncore.poll2]] as const) {
    it(`${name}: 24 iterations over 80 channels, predicates deleting, re-adding and moving channels`, async () => {
      const plain = await run(new Map(), poll_fun);
      const arrays = await run(new asyncore.ChannelMap(), poll_fun);
      // The run did what it is meant to: passes cut down to few channels and grown back.
      const sizes = plain.filter((e) => e.startsWith("-- ")).map((e) => Number(e.slice(3)));
      expect(Math.min(...sizes)).to.be.below(30);
      expect(Math.max(...sizes.slice(4))).to.be.above(50);
      expect(arrays).to.deep.equal(plain);
    });
  }
});

describe("loop (several maps)", () => {
  const { new_map } = resources();

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
    let waiting_done = false;
    const w = asyncore.loop({ timeout: 30, map: waiting }).then(() => (waiting_done = true));

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
      class EchoClient extends asyncore.dispatcher_with_send {
        override handle_connect(): void {}
        override handle_read(): void {
          echoed += this.recv(8192).toString();
          if (echoed === "ping") this.close();
        }
        override handle_close(): void {
          this.close();
        }
      }
      const cl = new EchoClient(null, busy);
      cl.create_socket(socket.AF_INET);
      cl.connect((srv.socket as socket.socket).getsockname());
      cl.send(Buffer.from("ping"));
      await within(asyncore.loop({ timeout: 30, use_poll, map: busy }), 5000, "busy map done");
      expect(echoed).to.equal("ping");
    }
    expect(waiting_done).to.equal(false);
    expect(waiting.size).to.equal(1);
    idle.close();
    // Its timeout is 30 s: ending within 5 s means the close woke it.
    await within(w, 5000, "the waiting map's loop ends once its channel closes");
    expect(waiting_done).to.equal(true);
  });
});

describe("loop (an idle loop's timer, on a fake clock)", () => {
  const { new_map } = resources();
  const sandbox = sinon.createSandbox();
  const open: socket.socket[] = [];
  afterEach(() => {
    sandbox.restore();
    for (const s of open.splice(0)) s.close();
  });

  const real_setImmediate = globalThis.setImmediate;
  /** `n` turns of Node's event loop (each runs I/O callbacks and immediates): real time, no fake clock. */
  async function turns(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await new Promise((r) => real_setImmediate(r));
  }

  it("idle loops (select on one map, poll on another) each arm one timer and run one iteration per timeout, never spinning", async () => {
    // Map a: an idle listener. Map b: an idle connected channel with nothing to send. Both only
    // in the read set, never ready.
    const a = new_map();
    const b = new_map();
    const listener = new asyncore.dispatcher(null, a);
    listener.create_socket(socket.AF_INET);
    listener.bind(["127.0.0.1", 0]);
    listener.listen(5);
    const fam = FAMILIES[0]!;
    const l = listening_socket(fam);
    open.push(l);
    const peer = new socket.socket(fam.family);
    open.push(peer);
    peer.connect_ex(l.getsockname());
    const [conn] = await accept_one(l);
    await wait_for(peer, socket.POLLOUT);
    const channel = new asyncore.dispatcher_with_send(conn, b);

    const iterations = new Map<asyncore.SocketMap, number>([[a, 0], [b, 0]]);
    const stop = asyncore.add_observer((t) => {
      if (iterations.has(t.map)) iterations.set(t.map, iterations.get(t.map)! + 1);
    });
    const clock = sandbox.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    // Every yield to Node a loop makes is a setImmediate: an idle loop, once waiting, makes none.
    const yields = sandbox.spy(globalThis, "setImmediate");
    /** While Node's event loop turns 50 times and no clock time passes: how many yields the loops made. */
    const idle_window = async (): Promise<number> => {
      const before = yields.callCount;
      await turns(50);
      return yields.callCount - before;
    };
    try {
      const loops = Promise.all([
        asyncore.loop({ timeout: 1, map: a }),
        asyncore.loop({ timeout: 1, use_poll: true, map: b }),
      ]);
      await turns(1); // both loops reach their waits
      expect(await idle_window(), "yields while waiting").to.equal(0);
      expect([...iterations.values()], "iterations with no time passing").to.deep.equal([0, 0]);
      expect(clock.countTimers(), "timers armed").to.equal(2);
      for (let s = 1; s <= 5; s++) {
        await clock.tickAsync(1000);
        expect(await idle_window(), `yields while waiting after ${s} s`).to.equal(0);
        expect([...iterations.values()], `iterations after ${s} s`).to.deep.equal([s, s]);
        expect(clock.countTimers(), `timers armed after ${s} s`).to.equal(2);
      }
      listener.close();
      channel.close();
      await loops;
      expect([...iterations.values()], "the iterations the closes ended").to.deep.equal([6, 6]);
    } finally {
      stop();
    }
  });
});

// asyncore.poll() keeps its select lists between iterations (src/select/selector.ts); what it
// dispatches must stay what select() over freshly built lists gives, iteration after iteration.
// The pass walks a plain Map with its iterators and a ChannelMap as arrays (src/asyncore/loop.ts):
// both must give the same calls and answers.
const MAP_KINDS = [
  ["a Map", (): asyncore.SocketMap => new Map()],
  ["a ChannelMap", (): asyncore.SocketMap => new asyncore.ChannelMap()],
] as const;
for (const [map_kind, new_map] of MAP_KINDS) {
  describe(`poll (select lists kept between iterations, over ${map_kind})`, () => {
    const cleanup: asyncore.SocketMap[] = [];
    afterEach(() => {
      for (const m of cleanup.splice(0)) asyncore.close_all(m, true);
    });

    function channels(n: number): [asyncore.SocketMap, FileChannel[], string[]] {
      const m = new_map();
      cleanup.push(m);
      const log: string[] = [];
      const chs: FileChannel[] = [];
      for (let i = 0; i < n; i++) {
        const ch = new FileChannel(m, true, true);
        const name = String.fromCharCode(0x61 + i);
        ch.handle_read = () => void log.push(`${name} read`);
        ch.handle_write = () => void log.push(`${name} write`);
        chs.push(ch);
      }
      return [m, chs, log];
    }

    it("dispatches the read list, then the write list, each in the map's order, as the map changes", async () => {
      const [m, chs, log] = channels(3);
      await asyncore.poll(0, m);
      expect(log.splice(0)).to.deep.equal(["a read", "b read", "c read", "a write", "b write", "c write"]);
      // Move a to the end of the map: select's lists follow the map's order.
      const a = chs[0] as FileChannel;
      m.delete(a._fileno as number);
      m.set(a._fileno as number, a);
      await asyncore.poll(0, m);
      expect(log.splice(0)).to.deep.equal(["b read", "c read", "a read", "b write", "c write", "a write"]);
      // b stops being readable, c writable; then both come back.
      const b = chs[1] as FileChannel;
      const c = chs[2] as FileChannel;
      b.readable = () => false;
      c.writable = () => false;
      await asyncore.poll(0, m);
      expect(log.splice(0)).to.deep.equal(["c read", "a read", "b write", "a write"]);
      b.readable = () => true;
      c.writable = () => true;
      await asyncore.poll(0, m);
      expect(log.splice(0)).to.deep.equal(["b read", "c read", "a read", "b write", "c write", "a write"]);
      // A channel leaving the map is not dispatched; one joining is, at its place.
      b.del_channel();
      const d = new FileChannel(m, true, false);
      d.handle_read = () => void log.push("d read");
      await asyncore.poll(0, m);
      expect(log.splice(0)).to.deep.equal(["c read", "a read", "d read", "c write", "a write"]);
      b.close();
    });

    for (const [name, poll_fun] of [["poll", asyncore.poll], ["poll2", asyncore.poll2]] as const) {
      it(`${name}: a channel that left the map (closed, or del_channel() alone) is no longer dispatched; one put back is again`, async () => {
        const [m, chs, log] = channels(4);
        const [a, b, c, d] = chs as [FileChannel, FileChannel, FileChannel, FileChannel];
        const dispatched = (): string[] => [...new Set(log.splice(0).map((e) => e[0] as string))].sort();
        await poll_fun(0, m);
        expect(dispatched()).to.deep.equal(["a", "b", "c", "d"]);
        // Two leave in one iteration: one closed, one only taken out of the map.
        c.close();
        b.del_channel();
        await poll_fun(0, m);
        expect(dispatched()).to.deep.equal(["a", "d"]);
        await poll_fun(0, m);
        expect(dispatched()).to.deep.equal(["a", "d"]);
        // b comes back under its number, at the map's end, and is watched again.
        b.set_socket(b.socket!, m);
        await poll_fun(0, m);
        expect(dispatched()).to.deep.equal(["a", "b", "d"]);
        // The last in the map leaves and comes back between two iterations.
        b.del_channel();
        b.set_socket(b.socket!, m);
        await poll_fun(0, m);
        expect(dispatched()).to.deep.equal(["a", "b", "d"]);
        a.close();
        d.close();
        await poll_fun(0, m);
        expect(dispatched()).to.deep.equal(["b"]);
      });
    }

    // The pass walks a Map's keys and values with two iterators in step, a ChannelMap's arrays (src/asyncore/loop.ts):
    // a map changed by a predicate during the pass must still give each channel its own fd.
    for (const [name, poll_fun, expected] of [
      ["poll", asyncore.poll, ["a read", "c read", "e read", "a write", "c write", "e write"]],
      ["poll2", asyncore.poll2, ["a read", "a write", "c read", "c write", "e read", "e write"]],
    ] as const) {
      it(`${name}: a map changed by a predicate during the pass is walked as it changes, each channel under its own fd`, async () => {
        const [m, chs, log] = channels(4);
        const [a, b, c, d] = chs as [FileChannel, FileChannel, FileChannel, FileChannel];
        const side = new_map();
        cleanup.push(side);
        const e = new FileChannel(side, true, true);
        e.handle_read = () => void log.push("e read");
        e.handle_write = () => void log.push("e write");
        // d is in no list: its fd must not be in any answer, nor its lists given to another fd.
        d.readable = () => false;
        d.writable = () => false;
        const seen: string[] = [];
        for (const [ch, n] of [[a, "a"], [b, "b"], [c, "c"], [d, "d"], [e, "e"]] as const) {
          const r = ch.readable.bind(ch);
          ch.readable = () => {
            seen.push(n);
            return r();
          };
        }
        // The first predicate takes b out of the map and puts e in it (dict operations, no wake).
        const a_readable = a.readable;
        a.readable = () => {
          m.delete(b._fileno as number);
          m.set(e._fileno as number, e);
          a.readable = a_readable;
          return a_readable();
        };
        await poll_fun(0, m);
        expect(seen).to.deep.equal(["a", "c", "d", "e"]);
        expect(log.splice(0)).to.deep.equal(expected);
        await poll_fun(0, m);
        expect(log.splice(0)).to.deep.equal(expected);
        b.close();
      });
    }

    it("raises EBADF, as select() does, for a descriptor closed behind the map's back, before and after it was watched", async () => {
      const [m, chs] = channels(2);
      (chs[1] as FileChannel).socket?.close();
      let err: unknown = null;
      await asyncore.poll(0, m).catch((e: unknown) => (err = e));
      expect((err as { errno?: number } | null)?.errno).to.equal(9);
      m.delete((chs[1] as FileChannel)._fileno as number);
      await asyncore.poll(0, m);
      (chs[0] as FileChannel).socket?.close();
      err = null;
      await asyncore.poll(0, m).catch((e: unknown) => (err = e));
      expect((err as { errno?: number } | null)?.errno).to.equal(9);
    });
  });
}
