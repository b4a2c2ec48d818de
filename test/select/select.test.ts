// select.select() and select.poll() over real emulated sockets: signatures, flags, return shapes, errors.
import { expect } from "chai";
import * as sinon from "sinon";
import * as select from "../../src/select/index.js";
import * as socket from "../../src/socket/index.js";
import { EBADF, ENOENT, OSError, ValueError } from "../../src/errno/index.js";
import { FAMILIES, WAIT_MS, accept_one, listening_socket, wait_for } from "../helpers/net.js";
import { with_timeout as within } from "../helpers/clients.js";
import { settles_at } from "../helpers/fake_clock.js";

/**
 * Registers, in the calling describe, an afterEach that closes every socket made through the
 * returned track() and pair().
 */
function sockets() {
  const open: socket.socket[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  function track<T extends socket.socket>(s: T): T {
    open.push(s);
    return s;
  }
  /** A connected pair [client, server-side] of `fam`, established. */
  async function pair(fam = FAMILIES[0]!): Promise<[socket.socket, socket.socket]> {
    const l = track(listening_socket(fam));
    const c = track(new socket.socket(fam.family));
    c.connect_ex(l.getsockname());
    const [s] = await accept_one(l);
    track(s);
    await wait_for(c, select.POLLOUT);
    return [c, s];
  }
  return { track, pair };
}

describe("select.select", () => {
  const { track, pair } = sockets();
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  for (const fam of FAMILIES) {
    it(`${fam.name}: a listener is readable once a client waits, a connected socket writable, data readable`, async () => {
      const l = track(listening_socket(fam));
      const c = track(new socket.socket(fam.family));
      expect(await select.select([l], [], [], 0)).to.deep.equal([[], [], []]);
      c.connect_ex(l.getsockname());
      const [[r]] = await select.select([l], [], [], WAIT_MS / 1000);
      expect(r).to.equal(l);
      const [s] = l.accept();
      track(s);
      const [, [w]] = await select.select([], [c], [], WAIT_MS / 1000);
      expect(w).to.equal(c);
      expect((await select.select([s], [], [], 0))[0]).to.deep.equal([]);
      c.send(Buffer.from("hi"));
      const [rr] = await select.select([s], [], [], WAIT_MS / 1000);
      expect(rr).to.deep.equal([s]);
      expect(s.recv(10).toString()).to.equal("hi");
    });
  }

  it("returns the objects it was given, each list in its own order, for sockets, fileno() objects and ints", async () => {
    const [c, s] = await pair();
    const [c2, s2] = await pair();
    const wrapped = { fileno: () => c2.fileno() };
    const [r, w, x] = await select.select([], [c2.fileno(), wrapped, c, s], [c, s], 0);
    expect(r).to.deep.equal([]);
    expect(w[0]).to.equal(c2.fileno());
    expect(w[1]).to.equal(wrapped);
    expect(w.slice(2)).to.deep.equal([c, s]);
    expect(x).to.deep.equal([]); // no out-of-band data: never exceptional
    void s2;
  });

  it("with nothing ready waits for the timeout (on a fake clock), then returns three empty lists", async () => {
    const [, s] = await pair();
    const clock = sandbox.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    expect(await settles_at(clock, select.select([s], [], [s], 0.1), 100)).to.deep.equal([[], [], []]);
  });

  // In the next four, select() is waiting (nothing was ready when it was called) when the test acts;
  // its timeout is 30 s (or none), and each is bounded to 5 s: returning means it noticed.

  it("wakes as soon as a descriptor becomes ready, long before the timeout", async () => {
    const [c, s] = await pair();
    const waiting = select.select([s], [], [], 30);
    c.send(Buffer.from("x"));
    const [r] = await within(waiting, WAIT_MS, "select() to see the data");
    expect(r).to.deep.equal([s]);
  });

  it("timeout null waits until something is ready", async () => {
    const [c, s] = await pair();
    const waiting = select.select([s], [], [], null);
    c.close();
    const [r] = await within(waiting, WAIT_MS, "select() to see the end of stream");
    expect(r).to.deep.equal([s]);
    expect(s.recv(10).length).to.equal(0); // end of stream
  });

  it("an interrupt ends the wait early with nothing ready", async () => {
    const [, s] = await pair();
    const intr = new select.Interrupt();
    const waiting = select.select([s], [], [], 30, intr);
    intr.fire();
    expect(await within(waiting, WAIT_MS, "select() to return")).to.deep.equal([[], [], []]);
  });

  it("a closed socket or a number no descriptor has is OSError EBADF", async () => {
    const s = new socket.socket();
    const fd = s.fileno();
    s.close();
    for (const arg of [fd, 1_000_000]) {
      let err: unknown;
      await select.select([arg], [], [], 0).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(OSError);
      expect((err as OSError).errno).to.equal(EBADF);
    }
  });

  it("a descriptor closed while select waits is OSError EBADF", async () => {
    const [, s] = await pair();
    const waiting = select.select([s], [], [], 30);
    s.close();
    let err: unknown;
    await within(waiting, WAIT_MS, "select() to fail").catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(OSError);
    expect((err as OSError).errno).to.equal(EBADF);
  });

  it("checks its arguments as Python does: fileno() -1 is ValueError, a non-number TypeError, a negative timeout ValueError", async () => {
    const closed = new socket.socket();
    closed.close();
    const errs: unknown[] = [];
    await select.select([closed], [], [], 0).catch((e: unknown) => errs.push(e));
    await select.select(["x" as unknown as number], [], [], 0).catch((e: unknown) => errs.push(e));
    const [, s] = await pair();
    await select.select([s], [], [], -1).catch((e: unknown) => errs.push(e));
    expect(errs[0]).to.be.instanceOf(ValueError);
    expect(errs[1]).to.be.instanceOf(TypeError);
    expect(errs[2]).to.be.instanceOf(ValueError);
  });

  it("a refused connection is readable and writable; SO_ERROR says ECONNREFUSED", async () => {
    const fam = FAMILIES[0]!;
    const c = track(new socket.socket(fam.family));
    c.connect_ex(fam.refused_address());
    const [r, w] = await select.select([c], [c], [], WAIT_MS / 1000);
    expect(r).to.deep.equal([c]);
    expect(w).to.deep.equal([c]);
    expect(c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)).to.equal(111 /* ECONNREFUSED */);
  });
});

describe("select.poll", () => {
  const { track, pair } = sockets();
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  it("register defaults to POLLIN|POLLPRI|POLLOUT; poll() gives [fd, revents] pairs in registration order", async () => {
    const [c, s] = await pair();
    const p = new select.poll();
    p.register(s);
    p.register(c.fileno());
    expect([...p.registered()]).to.deep.equal([
      [s.fileno(), select.POLLIN | select.POLLPRI | select.POLLOUT],
      [c.fileno(), select.POLLIN | select.POLLPRI | select.POLLOUT],
    ]);
    const res = await p.poll(0);
    expect(res).to.deep.equal([[s.fileno(), select.POLLOUT], [c.fileno(), select.POLLOUT]]);
  });

  it("answers in registration order, not by fd, however many are ready at once", async () => {
    const socks: socket.socket[] = [];
    for (let i = 0; i < 9; i++) socks.push(...(await pair()));
    // Registered in an order that is not the fds' (a reversed and interleaved one).
    const order = [...socks].reverse().sort((a, b) => (a.fileno() % 3) - (b.fileno() % 3));
    for (const n of [3, 18]) {
      const p = new select.poll();
      for (const s of order.slice(0, n)) p.register(s, select.POLLOUT);
      const want = order.slice(0, n).map((s) => [s.fileno(), select.POLLOUT]);
      expect(await p.poll(0)).to.deep.equal(want);
    }
  });

  it("keeps a registration's place when it is modified or registered again; one registered anew after unregister comes last", async () => {
    const socks: socket.socket[] = [];
    for (let i = 0; i < 3; i++) socks.push(...(await pair()));
    const fds = socks.map((s) => s.fileno()).reverse();
    const p = new select.poll();
    for (const fd of fds) p.register(fd, select.POLLOUT);
    const order = async (): Promise<number[]> => (await p.poll(0)).map(([fd]) => fd);
    expect(await order()).to.deep.equal(fds);
    p.modify(fds[0]!, select.POLLOUT);
    p.register(fds[1]!, select.POLLOUT | select.POLLIN);
    expect(await order()).to.deep.equal(fds);
    p.unregister(fds[2]!);
    p.register(fds[2]!, select.POLLOUT);
    expect(await order()).to.deep.equal([fds[0], fds[1], ...fds.slice(3), fds[2]]);
  });

  it("reports only the events of the mask, plus POLLERR/POLLHUP/POLLNVAL always", async () => {
    const [c, s] = await pair();
    const p = new select.poll();
    p.register(s, select.POLLIN);
    expect(await p.poll(0)).to.deep.equal([]);
    c.send(Buffer.from("abc"));
    expect(await p.poll(WAIT_MS)).to.deep.equal([[s.fileno(), select.POLLIN]]);

    const fam = FAMILIES[0]!;
    const r = track(new socket.socket(fam.family));
    r.connect_ex(fam.refused_address());
    const q = new select.poll();
    q.register(r, 0);
    const [[fd, ev]] = (await q.poll(WAIT_MS)) as [[number, number]];
    expect(fd).to.equal(r.fileno());
    expect(ev & (select.POLLIN | select.POLLOUT)).to.equal(0);
    expect(ev & (select.POLLERR | select.POLLHUP)).to.not.equal(0);
  });

  it("modify changes the mask; registering again modifies too", async () => {
    const [, s] = await pair();
    const p = new select.poll();
    p.register(s, select.POLLIN);
    expect(await p.poll(0)).to.deep.equal([]);
    p.modify(s, select.POLLOUT);
    expect(await p.poll(0)).to.deep.equal([[s.fileno(), select.POLLOUT]]);
    p.register(s, select.POLLIN);
    expect(await p.poll(0)).to.deep.equal([]);
  });

  it("modify of an unregistered fd is OSError ENOENT; unregister of one is KeyError", async () => {
    const [, s] = await pair();
    const p = new select.poll();
    expect(() => p.modify(s, select.POLLIN)).to.throw(OSError).with.property("errno", ENOENT);
    expect(() => p.unregister(s)).to.throw(select.KeyError);
    p.register(s);
    p.unregister(s);
    expect(await p.poll(0)).to.deep.equal([]);
    expect(() => p.unregister(s)).to.throw(select.KeyError);
  });

  it("poll(ms) waits up to ms (on a fake clock) with nothing ready; poll() without timeout waits for an event", async () => {
    const [c, s] = await pair();
    const p = new select.poll();
    p.register(s, select.POLLIN);
    const clock = sandbox.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    expect(await settles_at(clock, p.poll(100), 100)).to.deep.equal([]);
    clock.restore();
    const waiting = p.poll();
    c.send(Buffer.from("x"));
    expect(await within(waiting, WAIT_MS, "poll() to see the data")).to.deep.equal([[s.fileno(), select.POLLIN]]);
    let err: unknown;
    await p.poll("1" as unknown as number).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(TypeError);
  });

  it("a descriptor closed while registered is reported POLLNVAL, also while poll waits", async () => {
    const [c, s] = await pair();
    const p = new select.poll();
    p.register(s, select.POLLIN);
    p.register(c, 0); // only the events always reported (s's close gives c end of stream: POLLIN)
    s.close();
    expect(await p.poll(0)).to.deep.equal([[p.registered().keys().next().value as number, select.POLLNVAL]]);
    p.unregister([...p.registered().keys()][0]!);
    const waiting = p.poll(30_000);
    c.close();
    const res = await within(waiting, WAIT_MS, "poll() to see the close");
    expect(res).to.deep.equal([[[...p.registered().keys()][0], select.POLLNVAL]]);
  });

  it("registering a number that no descriptor has reports POLLNVAL, as Linux does", async () => {
    const p = new select.poll();
    p.register(1_000_000, select.POLLIN);
    expect(await p.poll(0)).to.deep.equal([[1_000_000, select.POLLNVAL]]);
  });

  it("register checks its argument: fileno() -1 is ValueError", () => {
    const closed = new socket.socket();
    closed.close();
    const p = new select.poll();
    expect(() => p.register(closed)).to.throw(ValueError);
    expect(() => p.register({ fileno: () => -1 })).to.throw(ValueError);
  });

  it("an interrupt ends the wait early with nothing ready", async () => {
    const [, s] = await pair();
    const p = new select.poll();
    p.register(s, select.POLLIN);
    const intr = new select.Interrupt();
    const waiting = p.poll(30_000, intr);
    intr.fire();
    expect(await within(waiting, WAIT_MS, "poll() to return")).to.deep.equal([]);
  });

  it("the peer's close makes the socket POLLIN (recv gives b''); both directions shut is POLLHUP", async () => {
    const [c, s] = await pair();
    const p = new select.poll();
    p.register(s, select.POLLIN);
    c.close();
    const [[, ev]] = (await p.poll(WAIT_MS)) as [[number, number]];
    expect(ev & select.POLLIN).to.equal(select.POLLIN);
    expect(s.recv(10).length).to.equal(0);
    s.shutdown(socket.SHUT_WR);
    const [[, ev2]] = (await p.poll(WAIT_MS)) as [[number, number]];
    expect(ev2 & select.POLLHUP).to.equal(select.POLLHUP);
  });
});
