// The Selector's watches follow the map without a table of them: kept while a channel stays (in any order), dropped when it leaves.
import { expect } from "chai";
import { EBADF, OSError } from "../../src/errno/index.js";
import { IN_R, IN_W, IN_X, Interrupt, Selector } from "../../src/select/index.js";
import * as socket from "../../src/socket/index.js";
import { fresh_sockets } from "../helpers/fresh_sockets.js";

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
