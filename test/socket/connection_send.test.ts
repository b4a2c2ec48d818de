// send() on a stream socket through Connection.send(): the count, the errors in their order, and the watchers told when a send fills SO_SNDBUF.
import { expect } from "chai";
import type * as net from "node:net";
import {
  BlockingIOError, BrokenPipeError, ConnectionResetError, POLLERR, POLLOUT, SHUT_WR, SOL_SOCKET, SO_SNDBUF, socket,
  type Pollable,
} from "../../src/socket/index.js";
import {
  FAMILIES, WAIT_MS, accept_one, connect_client, listening_socket, pattern, receive_exactly, thrown, wait_for,
} from "../helpers/net.js";

const fam = FAMILIES[0]!;

describe("socket/Connection send(): counts, errors in order, and the watchers told when SO_SNDBUF fills", () => {
  const opened: socket[] = [];
  const peers: net.Socket[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
    for (const p of peers.splice(0)) p.destroy();
  });

  async function pair(f = fam): Promise<{ ours: socket; peer: net.Socket }> {
    const listener = listening_socket(f);
    opened.push(listener);
    const peer = await connect_client(f.connect_options(listener.getsockname()));
    peers.push(peer);
    const [ours] = await accept_one(listener);
    opened.push(ours);
    return { ours, peer };
  }

  /** The poll flags the socket showed each time it told its watcher, in order; `writable_again` resolves at the first notice with POLLOUT after one without. */
  function watch(s: socket): { seen: number[]; writable_again: Promise<void> } {
    const seen: number[] = [];
    let resolve = (): void => undefined;
    const writable_again = new Promise<void>((r) => (resolve = r));
    s.watch({
      changed: (p: Pollable) => {
        const f = p.poll_flags();
        if (f & POLLOUT && seen.some((g) => (g & POLLOUT) === 0)) resolve();
        seen.push(f);
      },
    });
    return { seen, writable_again };
  }

  /** `p`, or a failure after WAIT_MS. */
  function within<T>(p: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after ${WAIT_MS} ms`)), WAIT_MS)));
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
  }

  /** The paused peer reads again: the watchers hear of POLLOUT again, and every byte sent arrives. */
  async function resume_and_receive(ours: socket, peer: net.Socket, writable_again: Promise<void>, sent: number): Promise<void> {
    let received = 0;
    peer.on("data", (c: Buffer) => (received += c.length));
    peer.resume();
    await within(writable_again, "the notice of POLLOUT again");
    ours.close();
    await new Promise((r) => peer.once("end", r));
    expect(received).to.equal(sent);
  }

  it("a later send of a tick that fills SO_SNDBUF returns what fit and tells the watchers at once, without POLLOUT; the peer gets every byte taken", async () => {
    const { ours, peer } = await pair();
    ours.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    const { seen, writable_again } = watch(ours);
    const data = pattern(20000, 3);
    // The tick's first send goes to Node at once; the second is held and counts against SO_SNDBUF.
    expect(ours.send(data.subarray(0, 1000))).to.equal(1000);
    const second = ours.send(data.subarray(1000));
    expect(second).to.be.greaterThan(0).and.at.most(4096);
    expect(ours.poll_flags() & POLLOUT).to.equal(0);
    expect(seen.length, "told during send()").to.be.greaterThan(0);
    expect(seen[seen.length - 1]! & POLLOUT).to.equal(0);
    expect(thrown(() => ours.send(data.subarray(1000 + second)), BlockingIOError).errno).to.equal(11);
    const got = await receive_exactly(peer, 1000 + second);
    // The watchers, not only poll_flags(), learn that it is writable again (a loop waits on them).
    await within(writable_again, "the notice of POLLOUT again");
    expect(got).to.deep.equal(data.subarray(0, 1000 + second));
  });

  it("a send that fills SO_SNDBUF while Node holds bytes for a peer that does not read: the watchers hear of POLLOUT again once the peer reads", async function () {
    this.timeout(30000);
    const { ours, peer } = await pair();
    peer.pause();
    const { writable_again } = watch(ours);
    const chunk = pattern(65536, 5);
    let sent = 0;
    // One send per turn of Node's loop, each the first of its tick, until the buffer is full.
    for (let i = 0; i < 4096 && ours.poll_flags() & POLLOUT; i++) {
      sent += ours.send(chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(ours.poll_flags() & POLLOUT, "full").to.equal(0);
    await resume_and_receive(ours, peer, writable_again, sent);
  });

  // Under the default SO_SNDBUF, a send into an empty queue may take up to the autotuned 4 MiB:
  // one such send larger than SO_SNDBUF can leave the socket unwritable by itself, and its write
  // must still tell the watchers when it has left (the ssl layer hands TLS's output over this way).
  it("one send larger than SO_SNDBUF into an empty queue, to a peer that does not read: the watchers hear of POLLOUT again once the peer reads", async function () {
    this.timeout(30000);
    // AF_UNIX: the kernel's buffers do not grow as TCP's do on loopback, so Node queues most of it.
    const { ours, peer } = await pair(FAMILIES.find((f) => f.name === "AF_UNIX")!);
    peer.pause();
    const { writable_again } = watch(ours);
    const data = pattern(3 * 1024 * 1024, 9);
    const sent = ours.send(data);
    expect(sent).to.equal(data.length);
    await new Promise((r) => setImmediate(r));
    expect(ours.poll_flags() & POLLOUT, "unwritable while the peer does not read").to.equal(0);
    await resume_and_receive(ours, peer, writable_again, sent);
  });

  it("sends that leave room return their whole length and keep POLLOUT, in one tick and the next", async () => {
    const { ours, peer } = await pair();
    const lines = Array.from({ length: 40 }, (_, i) => Buffer.from(`line ${i}\n`));
    for (const l of lines.slice(0, 20)) expect(ours.send(l)).to.equal(l.length);
    expect(ours.poll_flags() & POLLOUT).to.equal(POLLOUT);
    await new Promise((r) => setImmediate(r));
    for (const l of lines.slice(20)) expect(ours.send(l)).to.equal(l.length);
    expect(ours.poll_flags() & POLLOUT).to.equal(POLLOUT);
    const all = Buffer.concat(lines);
    expect(await receive_exactly(peer, all.length)).to.deep.equal(all);
  });

  it("a closed socket raises EBADF before looking at the data, a str included", async () => {
    const { ours } = await pair();
    ours.close();
    expect(thrown(() => ours.send(Buffer.from("x"))).errno).to.equal(9);
    expect(thrown(() => ours.send("x" as unknown as Buffer)).errno).to.equal(9);
  });

  it("an open stream raises TypeError for a str, before a pending error", async () => {
    const { ours, peer } = await pair();
    peer.resetAndDestroy();
    await wait_for(ours, POLLERR);
    expect(() => ours.send("x" as unknown as Buffer)).to.throw(TypeError, "a bytes-like object is required, not 'str'");
    // The pending reset is still there for the next send, then the pipe is broken (as Linux).
    expect(thrown(() => ours.send(Buffer.from("x")), ConnectionResetError).errno).to.equal(104);
    expect(() => ours.send(Buffer.from("x"))).to.throw(BrokenPipeError);
  });

  it("a pending reset is raised by an empty send too", async () => {
    const { ours, peer } = await pair();
    peer.resetAndDestroy();
    await wait_for(ours, POLLERR);
    expect(thrown(() => ours.send(Buffer.alloc(0)), ConnectionResetError).errno).to.equal(104);
    // Then EPIPE, for empty data as for any (Linux; CPython 3.11 raises BrokenPipeError for both).
    expect(thrown(() => ours.send(Buffer.alloc(0)), BrokenPipeError).errno).to.equal(32);
    expect(thrown(() => ours.send(Buffer.from("x")), BrokenPipeError).errno).to.equal(32);
  });

  it("after shutdown(SHUT_WR) an empty send raises BrokenPipeError, as a non-empty one does", async () => {
    const { ours } = await pair();
    expect(ours.send(Buffer.alloc(0))).to.equal(0);
    ours.shutdown(SHUT_WR);
    expect(thrown(() => ours.send(Buffer.alloc(0)), BrokenPipeError).errno).to.equal(32);
    expect(thrown(() => ours.send(Buffer.from("x")), BrokenPipeError).errno).to.equal(32);
  });

  it("a socket still connecting raises BlockingIOError for any send, an empty one included", async () => {
    const listener = listening_socket(fam);
    opened.push(listener);
    const c = new socket(fam.family, listener.type);
    opened.push(c);
    thrown(() => c.connect(listener.getsockname()), BlockingIOError);
    expect(thrown(() => c.send(Buffer.from("x")), BlockingIOError).errno).to.equal(11);
    expect(thrown(() => c.send(Buffer.alloc(0)), BlockingIOError).errno).to.equal(11);
    await wait_for(c, POLLOUT);
    expect(c.send(Buffer.from("x"))).to.equal(1);
  });
});
