// The loop observer's record of why each wait ended (woke): a timeout, an interrupt (wake, a
// channel added or removed, output queued), or a channel ready. Waits run on a fake clock.
import { expect } from "chai";
import { connect, type Socket as NodeSocket } from "node:net";
import * as sinon from "sinon";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { when_waiting } from "../helpers/asyncore.js";

/** A listener that nobody connects to unless the test does: in the read set, never ready. */
function idle_listener(map: asyncore.SocketMap): asyncore.dispatcher {
  class Listener extends asyncore.dispatcher {
    override handle_accepted(sock: socket.socket): void {
      sock.close();
    }
  }
  const d = new Listener(null, map);
  d.create_socket(socket.AF_INET);
  d.bind(["127.0.0.1", 0]);
  d.listen(5);
  return d;
}

/** A channel in no set (neither readable nor writable): the select loop's sleep without descriptors. */
class Quiet extends asyncore.dispatcher {
  override readable(): boolean {
    return false;
  }
  override writable(): boolean {
    return false;
  }
}

describe("trace: why a loop iteration's wait ended (woke)", () => {
  const sandbox = sinon.createSandbox();
  let map: asyncore.SocketMap;
  let seen: asyncore.IterationTrace[];
  let stop_observing: () => void;
  const clients: NodeSocket[] = [];

  beforeEach(() => {
    map = new Map();
    seen = [];
    stop_observing = asyncore.add_observer((t) => {
      if (t.map === map) seen.push(t);
    });
  });

  afterEach(() => {
    stop_observing();
    sandbox.restore();
    asyncore.close_all(map, true);
    for (const c of clients.splice(0)) c.destroy();
  });

  /** The clock, from now on fake (setTimeout and performance.now): the loop's wait timer is on it. */
  function fake_clock(): sinon.SinonFakeTimers {
    return sandbox.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  }

  /** [woke, waited_ms] of each traced iteration. */
  const woke = (): Array<[string, number]> => seen.map((t) => [t.woke, t.waited_ms]);

  for (const use_poll of [false, true]) {
    describe(use_poll ? "poll loop" : "select loop", () => {
      it("a wait that ran out its timeout with nothing ready: timeout", async () => {
        const ch = idle_listener(map);
        const clock = fake_clock();
        when_waiting(ch, () => void clock.tick(30_000));
        await asyncore.loop({ timeout: 30, use_poll, map, count: 1 });
        expect(woke()).to.deep.equal([["timeout", 30_000]]);
      });

      it("timeout 0 with nothing ready: timeout", async () => {
        idle_listener(map);
        fake_clock();
        await asyncore.loop({ timeout: 0, use_poll, map, count: 1 });
        expect(woke()).to.deep.equal([["timeout", 0]]);
      });

      it("a wait that wake(map) ended: interrupt", async () => {
        const ch = idle_listener(map);
        const clock = fake_clock();
        when_waiting(ch, () => {
          clock.tick(10);
          asyncore.wake(map);
        });
        await asyncore.loop({ timeout: 30, use_poll, map, count: 1 });
        expect(woke()).to.deep.equal([["interrupt", 10]]);
      });

      it("a wait that a ready channel ended: ready", async () => {
        const ch = idle_listener(map);
        const [host, port] = (ch.socket as socket.socket).getsockname() as [string, number];
        fake_clock();
        when_waiting(ch, () => {
          const c = connect(port, host);
          c.on("error", () => undefined);
          clients.push(c);
        });
        await asyncore.loop({ timeout: 30, use_poll, map, count: 1 });
        expect(seen.map((t) => t.woke)).to.deep.equal(["ready"]);
        expect(seen[0]!.ready.map((r) => r.fd)).to.deep.equal([ch._fileno]);
      });
    });
  }

  describe("select loop with no descriptor in its sets (it sleeps)", () => {
    it("a sleep that ran out its timeout: timeout", async () => {
      const ch = new Quiet(null, map);
      ch.create_socket(socket.AF_INET);
      const clock = fake_clock();
      const looping = asyncore.loop({ timeout: 30, map, count: 1 });
      // The sleep begins after one yield to Node: tick once it has.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      clock.tick(30_000);
      await looping;
      expect(woke()).to.deep.equal([["timeout", 30_000]]);
    });

    it("a sleep that wake(map) ended: interrupt", async () => {
      const ch = new Quiet(null, map);
      ch.create_socket(socket.AF_INET);
      const clock = fake_clock();
      const looping = asyncore.loop({ timeout: 30, map, count: 1 });
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      clock.tick(10);
      asyncore.wake(map);
      await looping;
      expect(woke()).to.deep.equal([["interrupt", 10]]);
    });

    it("a wake(map) during the yield before the sleep, which then does not sleep: interrupt", async () => {
      const ch = new Quiet(null, map);
      ch.create_socket(socket.AF_INET);
      fake_clock();
      const looping = asyncore.loop({ timeout: 30, map, count: 1 });
      asyncore.wake(map); // after the loop reset its interrupt, before its yield ends
      await looping;
      expect(woke()).to.deep.equal([["interrupt", 0]]);
    });
  });
});
