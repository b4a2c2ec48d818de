// The Selector's watches follow the map without a table of them (kept while a channel stays, dropped when it leaves); when a wait reads the clock.
import { expect } from "chai";
import { EBADF, OSError } from "../../src/errno/index.js";
import * as sinon from "sinon";
import { IN_R, IN_W, IN_X, Interrupt, poll, POLLIN, POLLOUT, Selector } from "../../src/select/index.js";
import * as socket from "../../src/socket/index.js";
import { fresh_sockets } from "../helpers/fresh_sockets.js";
import { settles_at } from "../helpers/fake_clock.js";

const W = IN_W | IN_X;

describe("select/Selector: its watches as the map changes", () => {
  /** `n` fresh stream sockets: always writable (POLLOUT|POLLHUP), so each in the write list is in the answer. */
  const fresh = fresh_sockets();

  /** One pass stating `socks` in this order, each in the write list. */
  function pass(sel: Selector, socks: readonly socket.socket[]): void {
    sel.begin();
    for (const s of socks) sel.set(s.fileno(), W);
    sel.end();
  }

  /** The write list of select(lists, timeout 0). */
  async function writable(sel: Selector): Promise<number[]> {
    await sel.select(0, new Interrupt());
    const w = sel.w.slice(0, sel.nw);
    sel.release();
    return w;
  }

  it("a map walked in another order keeps every watch (the same one) and answers in the new order", async () => {
    const sel = new Selector();
    const s = fresh(5);
    pass(sel, s);
    const watches = s.map((x) => x.watcher_of(sel));
    expect(watches.every((w) => w !== null)).to.equal(true);
    const reversed = [...s].reverse();
    pass(sel, reversed);
    expect(s.map((x) => x.watcher_of(sel))).to.deep.equal(watches);
    expect(await writable(sel)).to.deep.equal(reversed.map((x) => x.fileno()));
  });

  it("a channel that leaves from the middle, the end or the start loses its watch; the others keep theirs", async () => {
    const sel = new Selector();
    const s = fresh(6);
    pass(sel, s);
    const watches = s.map((x) => x.watcher_of(sel));
    const [a, b, c, d, e, f] = s as [socket.socket, socket.socket, socket.socket, socket.socket, socket.socket, socket.socket];
    pass(sel, [a, b, d, e, f]);
    expect(c.watcher_of(sel)).to.equal(null);
    pass(sel, [a, b, d, e]);
    expect(f.watcher_of(sel)).to.equal(null);
    pass(sel, [b, d, e]);
    expect(a.watcher_of(sel)).to.equal(null);
    expect([b, d, e].map((x) => x.watcher_of(sel))).to.deep.equal([watches[1], watches[3], watches[4]]);
    expect(await writable(sel)).to.deep.equal([b, d, e].map((x) => x.fileno()));
    // A channel that comes back is watched anew.
    pass(sel, [b, d, c, e]);
    expect(c.watcher_of(sel)).to.not.equal(null);
    expect(await writable(sel)).to.deep.equal([b, d, c, e].map((x) => x.fileno()));
  });

  it("a pass cut short (a readable() that threw) leaves nothing stale: the next full pass keeps and drops exactly", async () => {
    const sel = new Selector();
    const s = fresh(5);
    const [a, b, c, d, e] = s as [socket.socket, socket.socket, socket.socket, socket.socket, socket.socket];
    pass(sel, s);
    const watches = s.map((x) => x.watcher_of(sel));
    // Cut short after two channels that moved: no end().
    sel.begin();
    sel.set(d.fileno(), W);
    sel.set(e.fileno(), W);
    // The next pass has `e` where the cut pass left `d`, and `b` gone.
    pass(sel, [a, e, c, d]);
    expect([a, c, d, e].map((x) => x.watcher_of(sel))).to.deep.equal([watches[0], watches[2], watches[3], watches[4]]);
    expect(b.watcher_of(sel)).to.equal(null);
    expect(await writable(sel)).to.deep.equal([a, e, c, d].map((x) => x.fileno()));
  });

  it("a closed descriptor still in the lists raises EBADF, whether found at its place or after the map changed", async () => {
    for (const shift of [false, true]) {
      const sel = new Selector();
      const [a, b, c] = fresh(3) as [socket.socket, socket.socket, socket.socket];
      pass(sel, [a, b, c]);
      const fd = c.fileno();
      c.close();
      sel.begin();
      if (!shift) sel.set(a.fileno(), W);
      sel.set(b.fileno(), W);
      sel.set(fd, IN_R | IN_X);
      sel.end();
      let err: unknown = null;
      try {
        await sel.select(0, new Interrupt());
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(OSError);
      expect((err as OSError).errno).to.equal(EBADF);
      // Shifted, `a` left the map with that pass; at its place, it is still watched.
      expect(a.watcher_of(sel) === null).to.equal(shift);
      sel.clear();
      for (const x of [a, b, c]) expect(x.watcher_of(sel)).to.equal(null);
    }
  });
});

describe("select/Selector and poll: the clock of a wait", () => {
  const sandbox = sinon.createSandbox();
  const fresh = fresh_sockets();
  afterEach(() => sandbox.restore());

  /** A listening socket with nothing to accept: never ready. */
  function idle_listener(): socket.socket {
    const [l] = fresh(1) as [socket.socket];
    l.bind(["127.0.0.1", 0]);
    l.listen(1);
    return l;
  }

  it("Selector.select() with a descriptor ready answers without reading the clock", async () => {
    const [s] = fresh(1) as [socket.socket];
    const sel = new Selector();
    sel.begin();
    sel.set(s.fileno(), W);
    sel.end();
    const now = sandbox.spy(performance, "now");
    expect(await sel.select(5, new Interrupt())).to.equal(true);
    expect(now.callCount).to.equal(0);
    sel.release();
  });

  it("Selector.select() with nothing ready waits its timeout from the call (on a fake clock), then answers nothing", async () => {
    const l = idle_listener();
    const clock = sandbox.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    await clock.tickAsync(1000);
    const sel = new Selector();
    sel.begin();
    sel.set(l.fileno(), IN_R | IN_X);
    sel.end();
    expect(await settles_at(clock, sel.select(0.1, new Interrupt()), 100)).to.equal(false);
    sel.release();
  });

  it("poll.poll() with a descriptor ready answers without reading the clock", async () => {
    const [s] = fresh(1) as [socket.socket];
    const p = new poll();
    p.register(s.fileno(), POLLOUT);
    const now = sandbox.spy(performance, "now");
    expect((await p.poll(5000)).map(([fd]) => fd)).to.deep.equal([s.fileno()]);
    expect(now.callCount).to.equal(0);
  });

  it("poll.poll() with nothing ready waits its timeout from the call (on a fake clock), then answers nothing", async () => {
    const l = idle_listener();
    const clock = sandbox.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    await clock.tickAsync(1000);
    const p = new poll();
    p.register(l.fileno(), POLLIN);
    expect(await settles_at(clock, p.poll(100), 100)).to.deep.equal([]);
  });
});
