// poll2()'s registrations follow the map without a table of their own: each fd registered for its interest, unregistered when it has none or leaves.
import { expect } from "chai";
import { Registrations, type SocketMap } from "../../src/asyncore/map.js";
import { POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI } from "../../src/select/index.js";
import * as socket from "../../src/socket/index.js";
import { fresh_sockets } from "../helpers/fresh_sockets.js";

const R = POLLIN | POLLPRI;
const RW = POLLIN | POLLPRI | POLLOUT;

describe("asyncore/Registrations: poll2()'s poll object as the map changes", () => {
  const fresh = fresh_sockets();

  /** One pass over `entries` ([socket, interest], in the map's order), then the sweep over that map. */
  function pass(regs: Registrations, entries: ReadonlyArray<readonly [socket.socket | number, number]>): void {
    const fd = (s: socket.socket | number): number => (typeof s === "number" ? s : s.fileno());
    const map = new Map(entries.map(([s]) => [fd(s), {}])) as unknown as SocketMap;
    regs.begin();
    for (const [s, flags] of entries) regs.set(fd(s), flags);
    regs.sweep(map);
  }

  const registered = (regs: Registrations): Array<[number, number]> => [...regs.pollster.registered()].sort((a, b) => a[0] - b[0]);

  it("registers each fd for its interest, follows changes of interest and of order, and unregisters one with none", () => {
    const regs = new Registrations();
    const [a, b, c] = fresh(3) as [socket.socket, socket.socket, socket.socket];
    pass(regs, [[a, R], [b, RW], [c, 0]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), R], [b.fileno(), RW]]);
    pass(regs, [[c, R], [b, R], [a, 0]]);
    expect(registered(regs)).to.deep.equal([[b.fileno(), R], [c.fileno(), R]]);
    pass(regs, [[c, R], [b, R], [a, RW]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), RW], [b.fileno(), R], [c.fileno(), R]]);
  });

  it("the poll object answers in the map's order, as CPython's poll2 (which registers the map in order each time), through moves and changes of interest", async () => {
    const regs = new Registrations();
    const socks = fresh(20);
    const [a, b, c, d] = socks as [socket.socket, socket.socket, socket.socket, socket.socket];
    const W = POLLOUT;
    const answered = async (): Promise<number[]> => (await regs.pollster.poll(0)).map(([fd]) => fd);
    pass(regs, [[c, W], [b, W], [a, W]]);
    expect(await answered()).to.deep.equal([c.fileno(), b.fileno(), a.fileno()]);
    // b loses its interest and gets it back at the same place: answered at that place, not last.
    pass(regs, [[c, W], [b, 0], [a, W]]);
    pass(regs, [[c, W], [b, W], [a, W]]);
    expect(await answered()).to.deep.equal([c.fileno(), b.fileno(), a.fileno()]);
    // c leaves and comes back at the end (del_channel, add_channel); d joins after it.
    pass(regs, [[b, W], [a, W]]);
    pass(regs, [[b, W], [a, W], [c, W], [d, W]]);
    expect(await answered()).to.deep.equal([b.fileno(), a.fileno(), c.fileno(), d.fileno()]);
    // Many ready at once (the packed sort), in a map order that is not the fds'.
    const order = [...socks].reverse();
    pass(regs, order.map((s) => [s, W] as const));
    expect(await answered()).to.deep.equal(order.map((s) => s.fileno()));
  });

  it("a channel that leaves the map from the middle, the end or the start is unregistered; the others stay", () => {
    const regs = new Registrations();
    const [a, b, c, d] = fresh(4) as [socket.socket, socket.socket, socket.socket, socket.socket];
    pass(regs, [[a, R], [b, R], [c, RW], [d, R]]);
    pass(regs, [[a, R], [c, RW], [d, R]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), R], [c.fileno(), RW], [d.fileno(), R]]);
    pass(regs, [[a, R], [c, RW]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), R], [c.fileno(), RW]]);
    pass(regs, [[c, RW]]);
    expect(registered(regs)).to.deep.equal([[c.fileno(), RW]]);
  });

  it("a channel whose socket closed: registered while it has an interest (poll reports POLLNVAL), unregistered without one or once it leaves", async () => {
    const regs = new Registrations();
    const [a, b] = fresh(2) as [socket.socket, socket.socket];
    const fd = b.fileno();
    pass(regs, [[a, R], [b, R]]);
    b.close();
    // Moved, with another interest: found without the descriptor table.
    pass(regs, [[fd, RW], [a, R]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), R], [fd, RW]]);
    expect((await regs.pollster.poll(0)).filter(([f]) => f === fd)).to.deep.equal([[fd, POLLNVAL]]);
    pass(regs, [[a, R], [fd, 0]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), R]]);
    // No interest twice over, after a move: nothing to unregister, nothing raised.
    pass(regs, [[fd, 0], [a, R]]);
    pass(regs, [[a, R], [fd, R]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), R], [fd, R]]);
    pass(regs, [[a, R]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), R]]);
  });

  it("after a pass cut short (a readable() that threw), the next pass registers each fd for its interest", () => {
    const regs = new Registrations();
    const [a, b] = fresh(2) as [socket.socket, socket.socket];
    pass(regs, [[a, R], [b, R]]);
    // Cut short: `b` moved to the first place with a new interest, then no sweep.
    regs.begin();
    regs.set(b.fileno(), RW);
    // The map is back in its old order with `b`'s old interest: b's place still says R.
    pass(regs, [[a, R], [b, R]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), R], [b.fileno(), R]]);
  });

  it("an fd registered before its number was opened is registered on its descriptor at its next change of interest", async () => {
    const regs = new Registrations();
    const [a] = fresh(1) as [socket.socket];
    const next = a.fileno() + 1;
    pass(regs, [[a, R], [next, RW]]);
    const [b] = fresh(1) as [socket.socket];
    expect(b.fileno()).to.equal(next);
    pass(regs, [[a, R], [next, R]]);
    expect(registered(regs)).to.deep.equal([[a.fileno(), R], [next, R]]);
    // A fresh stream socket is OUT|HUP: registered for reading it reports HUP (the number alone: NVAL).
    expect((await regs.pollster.poll(0)).filter(([f]) => f === next)).to.deep.equal([[next, POLLHUP]]);
  });
});
