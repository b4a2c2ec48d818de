// When an iteration's steps run against Node's queues: the yield before each answer (a turn of Node's loop, or of the tick queue for up to 7 ready iterations in a row), and the microtask turns between the pass, the wait and the dispatch.
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";

/**
 * A descriptor whose readiness the test sets by hand (notify() tells the loop's watch), in the
 * descriptor table as a socket's is.
 */
class Knob extends socket.Pollable {
  readonly fd: number;
  flags = 0;
  constructor() {
    super();
    this.fd = socket.allocate_fd(this);
  }
  fileno(): number {
    return this.fd;
  }
  poll_flags(): number {
    return this.flags;
  }
  set(flags: number): void {
    this.flags = flags;
    this.notify();
  }
  setblocking(): void {}
  getpeername(): [string, number] {
    return ["127.0.0.1", 1];
  }
  send(b: Buffer): number {
    return b.length;
  }
  recv(): Buffer {
    return Buffer.from("x");
  }
  close(): void {
    socket.release_fd(this.fd);
  }
  getsockopt(): number {
    return 0;
  }
}

/** Everything the test, the loop's predicates and the handlers did, in order. */
let log: string[] = [];

/**
 * A chain of `n` microtasks (each queuing the next), a nextTick and a setImmediate, each
 * logging under `tag` when it runs: how many microtask turns pass before the next step shows
 * where that step falls.
 */
function queue_all(tag: string, n = 4): void {
  const link = (i: number): void => {
    log.push(`${tag} micro ${i}`);
    if (i < n) void Promise.resolve().then(() => link(i + 1));
  };
  void Promise.resolve().then(() => link(1));
  process.nextTick(() => log.push(`${tag} tick`));
  setImmediate(() => log.push(`${tag} immediate`));
}

/** A channel on a Knob: logs its predicates and handlers; each handler queues work with queue_all(). */
class Logged extends asyncore.dispatcher {
  r = false;
  w = false;
  n = 0;
  constructor(
    readonly name: string,
    readonly knob: Knob,
    map: asyncore.SocketMap,
  ) {
    super(knob as unknown as socket.socket, map);
  }
  override readable(): boolean {
    log.push(`${this.name} readable`);
    return this.r;
  }
  override writable(): boolean {
    return this.w;
  }
  override handle_read(): void {
    const i = this.n++;
    log.push(`${this.name} read ${i}`);
    this.knob.flags = 0;
    queue_all(`${this.name} ${i}`);
  }
  override handle_write(): void {
    const i = this.n++;
    log.push(`${this.name} write ${i}`);
    queue_all(`${this.name} ${i}`);
  }
}

function check(expected: string[], _name: string): void {
  expect(log).to.deep.equal(expected);
}

/**
 * Logs "turn i" once per turn of Node's event loop (an immediate queued from an immediate runs
 * in the next turn) until stop() is called.
 */
function turns(): () => void {
  let i = 0;
  let on = true;
  const tick = (): void => {
    if (!on) return;
    log.push(`turn ${i++}`);
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => {
    on = false;
  };
}

for (const use_poll of [false, true]) {
  describe(`loop timing (${use_poll ? "poll2" : "poll"})`, () => {
    const maps: asyncore.SocketMap[] = [];
    beforeEach(() => {
      log = [];
    });
    afterEach(() => {
      for (const m of maps.splice(0)) asyncore.close_all(m, true);
    });
    function new_map(): asyncore.SocketMap {
      const m: asyncore.SocketMap = new Map();
      maps.push(m);
      return m;
    }

    it("ready every iteration: the pass runs at once; the run's first yield is a turn of Node's loop, the next ones turns of the tick queue, so a handler's microtasks and ticks run before the next dispatch and its immediates after the run", async () => {
      const map = new_map();
      const k = new Knob();
      k.flags = socket.POLLOUT;
      const a = new Logged("a", k, map);
      a.w = true;
      const stop = turns();
      const done = asyncore.loop({ timeout: 5, use_poll, map, count: 3 }).then(() => log.push("loop resolved"));
      log.push("loop() returned");
      queue_all("caller", 2);
      await done;
      stop();
      await new Promise((r) => setImmediate(r));
      check(EXPECTED_READY, "EXPECTED_READY");
    });

    it("the same, traced (an observer): the iteration's own poll()/poll2() awaited, one turn later each", async () => {
      const map = new_map();
      const k = new Knob();
      k.flags = socket.POLLOUT;
      const a = new Logged("a", k, map);
      a.w = true;
      const off = asyncore.add_observer(() => log.push("observed"));
      try {
        const done = asyncore.loop({ timeout: 5, use_poll, map, count: 3 }).then(() => log.push("loop resolved"));
        log.push("loop() returned");
        queue_all("caller", 2);
        await done;
        await new Promise((r) => setImmediate(r));
      } finally {
        off();
      }
      check(EXPECTED_TRACED, "EXPECTED_TRACED");
    });

    it("a wait ended by readiness (wake_soon) dispatches in the turn after its immediate", async () => {
      const map = new_map();
      const k = new Knob();
      const a = new Logged("a", k, map);
      a.r = true;
      const done = asyncore.loop({ timeout: 5, use_poll, map, count: 1 }).then(() => log.push("loop resolved"));
      setImmediate(() => {
        log.push("set ready");
        k.set(socket.POLLIN);
        queue_all("setter", 2);
      });
      await done;
      await new Promise((r) => setImmediate(r));
      check(EXPECTED_WOKEN, "EXPECTED_WOKEN");
    });

    it("a wait ended by wake(map) amid other microtasks: one more turn before the (empty) dispatch, one after; the next ready iteration yields a turn of the tick queue (the sleep was a turn of Node's loop)", async () => {
      const map = new_map();
      const k = new Knob();
      const a = new Logged("a", k, map);
      a.r = true;
      const done = asyncore.loop({ timeout: 5, use_poll, map, count: 2 }).then(() => log.push("loop resolved"));
      setImmediate(() => {
        log.push("wake");
        queue_all("waker", 5);
        asyncore.wake(map);
        k.set(socket.POLLIN);
      });
      await done;
      await new Promise((r) => setImmediate(r));
      check(EXPECTED_INTERRUPTED, "EXPECTED_INTERRUPTED");
    });

    it("ExitNow from a handler rejects loop() after what the handler queued before it", async () => {
      const map = new_map();
      const k = new Knob();
      k.flags = socket.POLLOUT;
      class Exiting extends Logged {
        override handle_write(): void {
          super.handle_write();
          if (this.n === 2) throw new asyncore.ExitNow("stop");
        }
      }
      const a = new Exiting("a", k, map);
      a.w = true;
      const done = asyncore.loop({ timeout: 5, use_poll, map, count: 5 }).then(
        () => log.push("loop resolved"),
        (e: unknown) => log.push(`loop rejected ${(e as Error).constructor.name}`),
      );
      await done;
      await new Promise((r) => setImmediate(r));
      check(EXPECTED_EXIT, "EXPECTED_EXIT");
    });

    it("a map emptied by a handler ends loop() after one more turn; loop(count=1) in a loop", async () => {
      const map = new_map();
      const k = new Knob();
      k.flags = socket.POLLOUT;
      class Closing extends Logged {
        override handle_write(): void {
          super.handle_write();
          if (this.n === 3) this.close();
        }
      }
      const a = new Closing("a", k, map);
      a.w = true;
      while (map.size > 0) {
        await asyncore.loop({ timeout: 5, use_poll, map, count: 1 });
        log.push("count=1 returned");
      }
      await new Promise((r) => setImmediate(r));
      check(EXPECTED_COUNT1, "EXPECTED_COUNT1");
    });
  });
}

const EXPECTED_READY: string[] = [
  "a readable",
  "loop() returned",
  "caller tick",
  "caller micro 1",
  "caller micro 2",
  "turn 0",
  "a write 0",
  "a 0 micro 1",
  "a readable",
  "a 0 micro 2",
  "a 0 micro 3",
  "a 0 micro 4",
  "a 0 tick",
  "a write 1",
  "a 1 micro 1",
  "a readable",
  "a 1 micro 2",
  "a 1 micro 3",
  "a 1 micro 4",
  "a 1 tick",
  "a write 2",
  "a 2 micro 1",
  "a 2 micro 2",
  "loop resolved",
  "a 2 micro 3",
  "a 2 micro 4",
  "a 2 tick",
  "caller immediate",
  "a 0 immediate",
  "a 1 immediate",
  "a 2 immediate",
];
const EXPECTED_TRACED: string[] = [
  "a readable",
  "loop() returned",
  "caller tick",
  "caller micro 1",
  "caller micro 2",
  "a write 0",
  "observed",
  "a 0 micro 1",
  "a readable",
  "a 0 micro 2",
  "a 0 micro 3",
  "a 0 micro 4",
  "a 0 tick",
  "caller immediate",
  "a 0 immediate",
  "a write 1",
  "observed",
  "a 1 micro 1",
  "a readable",
  "a 1 micro 2",
  "a 1 micro 3",
  "a 1 micro 4",
  "a 1 tick",
  "a 1 immediate",
  "a write 2",
  "observed",
  "a 2 micro 1",
  "a 2 micro 2",
  "loop resolved",
  "a 2 micro 3",
  "a 2 micro 4",
  "a 2 tick",
  "a 2 immediate",
];
const EXPECTED_WOKEN: string[] = [
  "a readable",
  "set ready",
  "setter tick",
  "setter micro 1",
  "setter micro 2",
  "a read 0",
  "a 0 micro 1",
  "a 0 micro 2",
  "loop resolved",
  "a 0 micro 3",
  "a 0 micro 4",
  "a 0 tick",
  "setter immediate",
  "a 0 immediate",
];
const EXPECTED_INTERRUPTED: string[] = [
  "a readable",
  "wake",
  "waker tick",
  "waker micro 1",
  "waker micro 2",
  "waker micro 3",
  "a readable",
  "waker micro 4",
  "waker micro 5",
  "a read 0",
  "a 0 micro 1",
  "a 0 micro 2",
  "loop resolved",
  "a 0 micro 3",
  "a 0 micro 4",
  "a 0 tick",
  "waker immediate",
  "a 0 immediate",
];
const EXPECTED_EXIT: string[] = [
  "a readable",
  "a write 0",
  "a 0 micro 1",
  "a readable",
  "a 0 micro 2",
  "a 0 micro 3",
  "a 0 micro 4",
  "a 0 tick",
  "a write 1",
  "a 1 micro 1",
  "loop rejected ExitNow",
  "a 1 micro 2",
  "a 1 micro 3",
  "a 1 micro 4",
  "a 1 tick",
  "a 0 immediate",
  "a 1 immediate",
];
const EXPECTED_COUNT1: string[] = [
  "a readable",
  "a write 0",
  "a 0 micro 1",
  "a 0 micro 2",
  "count=1 returned",
  "a readable",
  "a 0 micro 3",
  "a 0 micro 4",
  "a 0 tick",
  "a 0 immediate",
  "a write 1",
  "a 1 micro 1",
  "a 1 micro 2",
  "count=1 returned",
  "a readable",
  "a 1 micro 3",
  "a 1 micro 4",
  "a 1 tick",
  "a 1 immediate",
  "a write 2",
  "a 2 micro 1",
  "a 2 micro 2",
  "count=1 returned",
  "a 2 micro 3",
  "a 2 micro 4",
  "a 2 tick",
  "a 2 immediate",
];
