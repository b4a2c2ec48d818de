// PORTING.md's recipes "Periodic work beside loop(count=1)" and "A thread beside the loop", as
// programs.
//
// Python (periodic work between iterations, time.sleep or sched):
//
//     s = sched.scheduler(time.monotonic, time.sleep)
//     s.enter(0.05, 1, tick)
//     while asyncore.socket_map:
//         asyncore.loop(timeout=0.01, count=1)
//         s.run(blocking=False)
//
// Python (a second map in a thread, and a worker thread handing a result to a channel):
//
//     t = threading.Thread(target=asyncore.loop, kwargs={"map": other_map}); t.start()
//     ...
//     def work(chan, n):
//         time.sleep(0.2)                  # blocking work, off the loop's thread
//         chan.push(b"%d\r\n" % (n * n))
//     threading.Thread(target=work, args=(chan, 7)).start()
import * as net from "node:net";
import { Worker } from "node:worker_threads";
import { expect } from "chai";
import { async_chat } from "../../src/asynchat/index.js";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";

/** A line echo server's channel; "SQUARE n" is answered by a worker thread. */
class Echo extends async_chat {
  lines: Buffer[] = [];
  constructor(sock: socket.socket, map: asyncore.SocketMap) {
    super(sock, map);
    this.set_terminator(Buffer.from("\n"));
  }
  override collect_incoming_data(data: Buffer): void {
    this.lines.push(Buffer.from(data));
  }
  override found_terminator(): void {
    const line = Buffer.concat(this.lines).toString("latin1");
    this.lines = [];
    const m = /^SQUARE (\d+)$/.exec(line);
    if (m) square_in_worker(this, Number(m[1]));
    else this.push(Buffer.from(`${line}\n`));
  }
}

class Server extends asyncore.dispatcher {
  constructor(map: asyncore.SocketMap) {
    super(socket.create_server(["127.0.0.1", 0]), map);
    this.accepting = true;
  }
  get port(): number {
    return this.socket!.getsockname()[1] as number;
  }
  override handle_accepted(sock: socket.socket): void {
    new Echo(sock, this._map);
  }
}

/**
 * threading.Thread(target=work, …): the blocking work runs in a worker thread; its result comes
 * back as a message, handled on the loop's thread between iterations, where push() is safe and
 * wakes the waiting loop by itself. (State a readable()/writable() predicate reads, changed here
 * without push(), would need asyncore.wake(map).)
 */
function square_in_worker(chan: Echo, n: number): void {
  const w = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // time.sleep(0.2): blocks this thread only
     parentPort.postMessage(workerData * workerData);`,
    { eval: true, workerData: n },
  );
  w.once("message", (sq: number) => {
    if (chan.connected) chan.push(Buffer.from(`${sq}\n`));
  });
  w.once("error", (e) => chan.handle_error(e));
}

/** A Node line client: sends, and resolves with the next `n` lines. */
function client(port: number): Promise<{ ask: (s: string, n?: number) => Promise<string[]>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = "";
    let want: { n: number; res: (l: string[]) => void } | null = null;
    const check = (): void => {
      const lines = buf.split("\n");
      if (want && lines.length - 1 >= want.n) {
        const got = lines.slice(0, want.n);
        buf = lines.slice(want.n).join("\n");
        const w = want;
        want = null;
        w.res(got);
      }
    };
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      check();
    });
    sock.on("error", reject);
    sock.on("connect", () =>
      resolve({
        ask: (s, n = 1) =>
          new Promise((res) => {
            want = { n, res };
            sock.write(s);
            check();
          }),
        close: () => sock.destroy(),
      }),
    );
  });
}

/** A tiny sched.scheduler: enter(delay, action), run(blocking=False) runs what is due. */
class scheduler {
  #queue: { time: number; action: () => void }[] = [];
  enter(delay: number, action: () => void): void {
    this.#queue.push({ time: performance.now() / 1000 + delay, action });
    this.#queue.sort((a, b) => a.time - b.time);
  }
  run_pending(): void {
    const now = performance.now() / 1000;
    while (this.#queue.length > 0 && this.#queue[0]!.time <= now) this.#queue.shift()!.action();
  }
  get empty(): boolean {
    return this.#queue.length === 0;
  }
}

describe("porting recipes: work beside the loop", () => {
  it("periodic work between loop(count=1) iterations (sched.run(blocking=False)) while clients are served", async () => {
    const map: asyncore.SocketMap = new Map();
    const server = new Server(map);
    const s = new scheduler();
    const ticks: number[] = [];
    const tick = (): void => {
      ticks.push(performance.now());
      if (ticks.length < 5) s.enter(0.02, tick);
    };
    s.enter(0.02, tick);
    const c = await client(server.port);
    let replies: string[] = [];
    void c.ask("one\ntwo\n", 2).then((l) => (replies = l));
    try {
      // while asyncore.socket_map: asyncore.loop(timeout=0.01, count=1); s.run(blocking=False)
      while (map.size > 0 && (!s.empty || replies.length < 2)) {
        await asyncore.loop({ timeout: 0.01, map, count: 1 });
        s.run_pending();
      }
      expect(replies).to.deep.equal(["one", "two"]);
      expect(ticks.length).to.equal(5);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).to.be.at.least(19);
    } finally {
      c.close();
      asyncore.close_all(map);
    }
  });

  it("time.sleep(x) between iterations: await a timer, which blocks nothing else in the process", async () => {
    const map: asyncore.SocketMap = new Map();
    const server = new Server(map);
    const c = await client(server.port);
    const pending = c.ask("hello\n");
    let other_timer_ran = false;
    setTimeout(() => (other_timer_ran = true), 10);
    try {
      let got: string[] | null = null;
      void pending.then((l) => (got = l));
      while (got === null) {
        await asyncore.loop({ timeout: 0, map, count: 1 });
        await new Promise((r) => setTimeout(r, 30)); // time.sleep(0.03)
      }
      expect(got).to.deep.equal(["hello"]);
      expect(other_timer_ran).to.equal(true);
    } finally {
      c.close();
      asyncore.close_all(map);
    }
  });

  it("a second map looped beside the first (a thread running asyncore.loop(map=m2)), and a worker thread's result pushed to a channel", async () => {
    const map1: asyncore.SocketMap = new Map();
    const map2: asyncore.SocketMap = new Map();
    const s1 = new Server(map1);
    const s2 = new Server(map2);
    // t = threading.Thread(target=asyncore.loop, kwargs={"map": map2}); t.start() — a promise, not awaited
    const t1 = asyncore.loop({ timeout: 1, map: map1 });
    const t2 = asyncore.loop({ timeout: 1, map: map2 });
    const c1 = await client(s1.port);
    const c2 = await client(s2.port);
    const c3 = await client(s1.port);
    try {
      const started = performance.now();
      const square = c1.ask("SQUARE 7\n"); // answered by a worker thread after 200 ms
      // meanwhile both loops keep serving: the worker blocks only itself
      expect(await c3.ask("a\n")).to.deep.equal(["a"]);
      expect(await c2.ask("b\n")).to.deep.equal(["b"]);
      expect(performance.now() - started).to.be.below(150);
      expect(await square).to.deep.equal(["49"]);
    } finally {
      c1.close();
      c2.close();
      c3.close();
      asyncore.close_all(map1);
      asyncore.close_all(map2);
      await Promise.all([t1, t2]); // t.join()
    }
  });
});
