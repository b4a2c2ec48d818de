// The emulated non-blocking stream socket, one suite run for IPv4, IPv6 and AF_UNIX: Linux's behaviour, checked.
import { expect } from "chai";
import * as net from "node:net";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import {
  AF_INET6, AF_UNIX, BlockingIOError, BrokenPipeError, ConnectionRefusedError, ConnectionResetError,
  POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, SHUT_WR, SOCK_STREAM, SOL_SOCKET, SO_ERROR, SO_LINGER,
  MSG_PEEK, SO_RCVBUF, SO_SNDBUF, socket, type Address,
} from "../../src/socket/index.js";
import { FileNotFoundError } from "../../src/errno/index.js";
import {
  FAMILIES, WAIT_MS, accept_one, collect, connect_client, flag_names, listening_socket, next_event, pattern,
  receive_exactly, recv_all, thrown, wait_for, type Family,
} from "../helpers/net.js";

/** One turn of Node's event loop (its I/O callbacks run). */
function next_turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Everything a test opens, closed after it. */
class Tracker {
  private readonly sockets: socket[] = [];
  private readonly nodes: net.Socket[] = [];
  private readonly children: ChildProcessWithoutNullStreams[] = [];
  s<T extends socket>(s: T): T {
    this.sockets.push(s);
    return s;
  }
  n(c: net.Socket): net.Socket {
    this.nodes.push(c);
    return c;
  }
  child(c: ChildProcessWithoutNullStreams): ChildProcessWithoutNullStreams {
    this.children.push(c);
    return c;
  }
  close_all(): void {
    for (const s of this.sockets.splice(0)) s.close();
    for (const c of this.nodes.splice(0)) c.destroy();
    for (const c of this.children.splice(0)) c.kill();
  }
}

function flags_of(s: socket): string {
  return flag_names(s.poll_flags());
}

/** Every byte an emulated socket holds right now: recv() until BlockingIOError or end of stream, never waiting. */
function drain(s: socket): Buffer {
  const parts: Buffer[] = [];
  for (;;) {
    let d: Buffer;
    try {
      d = s.recv(1 << 30);
    } catch (e) {
      if (e instanceof BlockingIOError) break;
      throw e;
    }
    if (d.length === 0) break;
    parts.push(Buffer.from(d));
  }
  return Buffer.concat(parts);
}

/** A tick of Node's event loop: lets nextTick/setImmediate work (errors Node reports "later") happen. */
function turn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function suite(fam: Family): void {
  const t = new Tracker();
  afterEach(() => t.close_all());

  /** A listener of ours, a Node client connected to it, and our accepted end. */
  async function accepted_pair(): Promise<{ listener: socket; ours: socket; peer: net.Socket; addr: Address }> {
    const listener = t.s(listening_socket(fam));
    const peer = t.n(await connect_client(fam.connect_options(listener.getsockname())));
    const [ours, addr] = await accept_one(listener);
    t.s(ours);
    return { listener, ours, peer, addr };
  }

  /** Our socket as the client of a plain Node server: [ours, the server's end]. */
  async function client_pair(): Promise<{ ours: socket; peer: net.Socket }> {
    const server = net.createServer({ allowHalfOpen: true });
    server.on("error", () => undefined);
    const addr = fam.bind_address();
    await new Promise<void>((resolve) => {
      if (typeof addr === "string") server.listen(addr, resolve);
      else server.listen(addr[1], addr[0], resolve);
    });
    const a = server.address();
    const target: Address = typeof a === "string" ? a : fam.family === AF_INET6 ? [a!.address, a!.port, 0, 0] : [a!.address, a!.port];
    const got = next_event<net.Socket>(server, "connection");
    const ours = t.s(new socket(fam.family, SOCK_STREAM));
    expect(ours.connect_ex(target)).to.equal(115);
    const peer = t.n(await got);
    peer.on("error", () => undefined);
    server.close();
    await wait_for(ours, POLLOUT);
    return { ours, peer };
  }

  describe("bind() and the port-0 pattern", () => {
    it("getsockname() gives the bound address right after bind(), before listen()", () => {
      const s = t.s(new socket(fam.family, SOCK_STREAM));
      const want = fam.bind_address();
      s.bind(want);
      const got = s.getsockname();
      if (typeof want === "string") {
        expect(got).to.equal(want);
      } else {
        expect(got).to.be.an("array").with.length(fam.family === AF_INET6 ? 4 : 2);
        expect((got as readonly unknown[])[0]).to.equal(fam.host);
        expect((got as readonly number[])[1]).to.be.within(1, 65535);
        if (fam.family === AF_INET6) expect((got as readonly number[]).slice(2)).to.deep.equal([0, 0]);
      }
    });

    it("after bind() and listen(), getsockname() is final and a client connects to it at once", async () => {
      const s = t.s(new socket(fam.family, SOCK_STREAM));
      s.bind(fam.bind_address());
      const before = s.getsockname();
      s.listen(5);
      expect(s.getsockname()).to.deep.equal(before);
      // Same tick, no waiting: the port is already listening.
      const peer = t.n(await connect_client(fam.connect_options(s.getsockname())));
      const [ours] = await accept_one(s);
      t.s(ours);
      peer.write("ping");
      await wait_for(ours, POLLIN);
      expect(ours.recv(10).toString()).to.equal("ping");
    });

    it("binding an address another socket of this process holds throws OSError EADDRINUSE from bind()", async () => {
      const a = t.s(listening_socket(fam));
      const b = t.s(new socket(fam.family, SOCK_STREAM));
      const err = thrown(() => b.bind(a.getsockname()));
      expect(err.errno).to.equal(98);
      expect(err.code).to.equal("EADDRINUSE");
      expect(err.message).to.equal("[Errno 98] Address already in use");
      // The failed bind leaves no error behind on the socket, and it can bind elsewhere.
      await turn();
      await turn();
      expect(flags_of(b)).to.equal("POLLOUT|POLLHUP");
      expect(b.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
      b.bind(fam.bind_address());
      b.listen(1);
      expect(b.poll_flags()).to.equal(0);
    });

    it("binding an address a plain Node server holds throws OSError EADDRINUSE", async () => {
      const server = net.createServer();
      server.on("error", () => undefined);
      const addr = fam.bind_address();
      await new Promise<void>((resolve) => {
        if (typeof addr === "string") server.listen(addr, resolve);
        else server.listen(addr[1], addr[0], resolve);
      });
      try {
        const a = server.address();
        const held: Address = typeof a === "string" ? a : [a!.address, a!.port];
        const b = t.s(new socket(fam.family, SOCK_STREAM));
        expect(thrown(() => b.bind(held)).errno).to.equal(98);
      } finally {
        server.close();
      }
    });

    it("binding an address another process holds throws OSError EADDRINUSE", async () => {
      // The other process: a Node child listening on the address, until its stdin closes.
      const js = [
        `const [path, host] = process.argv.slice(1);`,
        `const s = require("node:net").createServer();`,
        `const ready = () => { const a = s.address(); console.log(typeof a === "string" ? a : a.port); };`,
        `if (path) s.listen(path, ready); else s.listen(0, host, ready);`,
        `process.stdin.on("end", () => process.exit(0)).resume();`,
      ].join("\n");
      const path = fam.family === AF_UNIX ? (fam.bind_address() as string) : "";
      const child = t.child(spawn(process.execPath, ["-e", js, path, fam.host ?? ""]));
      child.on("error", () => undefined);
      const line = (await next_event<Buffer>(child.stdout, "data")).toString().trim();
      const held: Address = fam.family === AF_UNIX ? line : [fam.host!, Number(line)];
      const b = t.s(new socket(fam.family, SOCK_STREAM));
      expect(thrown(() => b.bind(held)).errno).to.equal(98);
    });
  });

  describe("accept()", () => {
    it("throws BlockingIOError (EAGAIN) while no connection is queued", () => {
      const l = t.s(listening_socket(fam));
      const err = thrown(() => l.accept(), BlockingIOError);
      expect(err.errno).to.equal(11);
    });

    it("returns the peer's address in the family's shape", async () => {
      const { ours, peer, addr, listener } = await accepted_pair();
      if (fam.family === AF_UNIX) {
        expect(addr).to.equal("");
        expect(ours.getpeername()).to.equal("");
        expect(ours.getsockname()).to.equal(listener.getsockname());
      } else if (fam.family === AF_INET6) {
        expect(addr).to.deep.equal(["::1", peer.localPort, 0, 0]);
        expect(ours.getpeername()).to.deep.equal(addr);
        expect(ours.getsockname()).to.deep.equal(listener.getsockname());
      } else {
        expect(addr).to.deep.equal(["127.0.0.1", peer.localPort]);
        expect(ours.getpeername()).to.deep.equal(addr);
        expect(ours.getsockname()).to.deep.equal(listener.getsockname());
      }
    });

    // An AF_UNIX peer cannot reset its connection.
    if (fam.family !== AF_UNIX) it("returns the peer's address for a connection the peer reset while it waited in the queue (CPython 3.11: the kernel's accept gives it)", async () => {
      const l = t.s(listening_socket(fam));
      const peer = t.n(await connect_client(fam.connect_options(l.getsockname())));
      peer.on("error", () => undefined);
      await wait_for(l, POLLIN);
      const local: Address = fam.family === AF_INET6 ? ["::1", peer.localPort!, 0, 0] : ["127.0.0.1", peer.localPort!];
      const closed = next_event(peer, "close");
      peer.resetAndDestroy();
      await closed;
      const [ours, addr] = l.accept();
      t.s(ours);
      expect(addr).to.deep.equal(local);
    });

    it("accept() and getpeername() give a new tuple each time, as CPython's: changing one changes no later answer", async () => {
      const { ours, addr } = await accepted_pair();
      if (fam.family === AF_UNIX) {
        expect(ours.getpeername()).to.equal("");
        return;
      }
      const want = [...(addr as readonly unknown[])];
      const first = ours.getpeername() as unknown as unknown[];
      expect(first).to.not.equal(addr);
      (addr as unknown as unknown[])[1] = -1;
      first[0] = "changed";
      expect(ours.getpeername()).to.deep.equal(want);
      expect(ours.getpeername()).to.not.equal(ours.getpeername());
    });

    it("queues several connections and hands them out in order", async () => {
      const l = t.s(listening_socket(fam));
      const p1 = t.n(await connect_client(fam.connect_options(l.getsockname())));
      p1.write("1");
      const [a1] = await accept_one(l);
      t.s(a1);
      const p2 = t.n(await connect_client(fam.connect_options(l.getsockname())));
      p2.write("2");
      const [a2] = await accept_one(l);
      t.s(a2);
      await wait_for(a1, POLLIN);
      await wait_for(a2, POLLIN);
      expect([a1.recv(5).toString(), a2.recv(5).toString()]).to.deep.equal(["1", "2"]);
      expect(thrown(() => l.accept()).errno).to.equal(11);
    });
  });

  describe("fileno()", () => {
    it("is a small positive integer, distinct per socket, -1 after close, never reused", async () => {
      const { listener, ours } = await accepted_pair();
      const a = t.s(new socket(fam.family, SOCK_STREAM));
      const fds = [listener.fileno(), ours.fileno(), a.fileno()];
      for (const fd of fds) expect(fd).to.be.a("number").and.within(3, 100000);
      expect(new Set(fds).size).to.equal(3);
      a.close();
      expect(a.fileno()).to.equal(-1);
      const b = t.s(new socket(fam.family, SOCK_STREAM));
      expect(fds).not.to.include(b.fileno());
      expect(b.fileno()).to.be.greaterThan(Math.max(...fds));
    });
  });

  describe("recv()", () => {
    it("returns up to n buffered bytes at once, coalescing chunks", async () => {
      const { ours, peer } = await accepted_pair();
      // With our side shut for writing, POLLHUP appears only once the peer's FIN is in, i.e. after all its data.
      ours.shutdown(SHUT_WR);
      peer.setNoDelay(true);
      for (const s of ["abc", "def", "ghi"]) {
        await new Promise<void>((r, j) => peer.write(s, (e) => (e ? j(e) : r())));
      }
      peer.end();
      await wait_for(ours, POLLHUP);
      expect(ours.recv(4).toString()).to.equal("abcd");
      expect(ours.recv(100).toString()).to.equal("efghi");
      expect(ours.recv(100).length).to.equal(0);
    });

    it("with MSG_PEEK returns the bytes without consuming them", async () => {
      const { ours, peer } = await accepted_pair();
      peer.write("peekaboo");
      await wait_for(ours, POLLIN);
      // Everything may not be in yet: peek then take the same bytes.
      const first = Buffer.from(ours.recv(100, 2 /* MSG_PEEK */));
      expect(first.length).to.be.greaterThan(0);
      expect(ours.recv(first.length)).to.deep.equal(first);
    });

    it("returns an empty Buffer at end of stream, every time it is called", async () => {
      const { ours, peer } = await accepted_pair();
      peer.end("x");
      ours.shutdown(SHUT_WR);
      await wait_for(ours, POLLHUP);
      expect(ours.recv(10).toString()).to.equal("x");
      for (let i = 0; i < 3; i++) expect(ours.recv(10)).to.be.instanceOf(Buffer).with.length(0);
    });

    it("throws BlockingIOError (EAGAIN) when nothing is buffered, and the socket is not readable", async () => {
      const { ours } = await accepted_pair();
      expect(flags_of(ours)).to.equal("POLLOUT");
      const err = thrown(() => ours.recv(10), BlockingIOError);
      expect(err.errno).to.equal(11);
      expect(err.message).to.equal("[Errno 11] Resource temporarily unavailable");
    });

    it("returns an empty Buffer for recv(0) without consuming anything", async () => {
      const { ours, peer } = await accepted_pair();
      peer.write("z");
      await wait_for(ours, POLLIN);
      expect(ours.recv(0).length).to.equal(0);
      expect(ours.recv(1).toString()).to.equal("z");
    });
  });

  if (fam.family !== AF_UNIX) {
    // TCP only: Node can reset a TCP connection (RST); an AF_UNIX peer has no such thing to send.
    describe("reset by the peer", () => {
      it("shows POLLIN|POLLOUT|POLLHUP|POLLERR, recv() throws ConnectionResetError once, then end of stream", async () => {
        const { ours, peer } = await accepted_pair();
        peer.resetAndDestroy();
        await wait_for(ours, POLLERR);
        expect(flags_of(ours)).to.equal("POLLIN|POLLOUT|POLLERR|POLLHUP");
        const err = thrown(() => ours.recv(10), ConnectionResetError);
        expect(err.errno).to.equal(104);
        expect(err.code).to.equal("ECONNRESET");
        expect(flags_of(ours)).to.equal("POLLIN|POLLOUT|POLLHUP");
        expect(ours.recv(10).length).to.equal(0);
        expect(() => ours.send(Buffer.from("x"))).to.throw(BrokenPipeError);
      });

      it("is reported by getsockopt(SO_ERROR) once, as ECONNRESET, then 0", async () => {
        const { ours, peer } = await accepted_pair();
        peer.resetAndDestroy();
        await wait_for(ours, POLLERR);
        expect(ours.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(104);
        expect(ours.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
      });

      it("close() with SO_LINGER (1, 0) resets the peer instead of sending FIN", async () => {
        const { ours, peer } = await accepted_pair();
        const linger = Buffer.alloc(8);
        linger.writeInt32LE(1, 0);
        linger.writeInt32LE(0, 4);
        ours.setsockopt(SOL_SOCKET, SO_LINGER, linger);
        expect(ours.getsockopt(SOL_SOCKET, SO_LINGER)).to.equal(1);
        const failed = next_event<NodeJS.ErrnoException>(peer, "error");
        ours.close();
        const e = await failed;
        expect(e.code).to.equal("ECONNRESET");
      });
    });
  }

  describe("send()", () => {
    it("takes only what fits in SO_SNDBUF, returns the count, then throws BlockingIOError", async () => {
      const { ours, peer } = await accepted_pair();
      ours.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
      expect(ours.getsockopt(SOL_SOCKET, SO_SNDBUF)).to.equal(4096);
      const data = pattern(20000);
      expect(ours.send(data.subarray(0, 3000))).to.equal(3000);
      // The first send of a tick may go straight to the kernel; what Node still holds counts
      // against SO_SNDBUF, so the second send takes at most 4096 bytes, not all 17000.
      const second = ours.send(data.subarray(3000));
      expect(second).to.be.greaterThan(0).and.at.most(4096);
      expect(ours.poll_flags() & POLLOUT).to.equal(0);
      const err = thrown(() => ours.send(data.subarray(3000 + second)), BlockingIOError);
      expect(err.errno).to.equal(11);
      // Once the bytes have left, the socket is writable again and the peer got exactly what send() took.
      const got = await receive_exactly(peer, 3000 + second);
      await wait_for(ours, POLLOUT);
      expect(got).to.deep.equal(data.subarray(0, 3000 + second));
    });

    it("stays unwritable while the peer does not read, and is writable again once the peer drains", async function () {
      this.timeout(30000);
      const { ours, peer } = await accepted_pair();
      peer.pause();
      ours.setsockopt(SOL_SOCKET, SO_SNDBUF, 65536);
      const chunk = pattern(50000, 7);
      let sent = 0;
      // Fill Node's and the kernel's buffers: send until a partial count and EAGAIN, and again whenever
      // the socket turns writable, until it stays unwritable (bounded: 256 MiB at most).
      let partial_seen = false;
      for (let round = 0; round < 4096; round++) {
        for (;;) {
          let n: number;
          try {
            n = ours.send(chunk);
          } catch (e) {
            expect(e).to.be.instanceOf(BlockingIOError);
            break;
          }
          if (n < chunk.length) partial_seen = true;
          sent += n;
        }
        expect(ours.poll_flags() & POLLOUT).to.equal(0);
        try {
          await wait_for(ours, POLLOUT, 250);
        } catch {
          break; // nothing left the buffers for 250 ms: the peer's side is full
        }
      }
      expect(partial_seen).to.equal(true);
      expect(ours.poll_flags() & POLLOUT).to.equal(0);
      expect(peer.bytesRead).to.be.lessThan(sent);
      // The peer drains: we become writable, and it receives every byte send() accepted.
      const writable = wait_for(ours, POLLOUT, WAIT_MS);
      let received = 0;
      peer.on("data", (c: Buffer) => {
        received += c.length;
      });
      peer.resume();
      await writable;
      ours.shutdown(SHUT_WR);
      await next_event(peer, "end", 20000);
      expect(received).to.equal(sent);
    });

    it("throws TypeError for a str and accepts any Uint8Array", async () => {
      const { ours, peer } = await accepted_pair();
      expect(() => ours.send("str" as unknown as Buffer)).to.throw(TypeError, "a bytes-like object is required, not 'str'");
      expect(ours.send(new Uint8Array([104, 105]))).to.equal(2);
      expect((await receive_exactly(peer, 2)).toString()).to.equal("hi");
    });

    it("returns 0 for an empty Buffer", async () => {
      const { ours } = await accepted_pair();
      expect(ours.send(Buffer.alloc(0))).to.equal(0);
    });
  });

  describe("non-blocking connect", () => {
    it("connect() throws BlockingIOError (EINPROGRESS); the socket then becomes writable", async () => {
      const l = t.s(listening_socket(fam));
      const c = t.s(new socket(fam.family, SOCK_STREAM));
      const err = thrown(() => c.connect(l.getsockname()), BlockingIOError);
      expect(err.errno).to.equal(115);
      expect(err.message).to.equal("[Errno 115] Operation now in progress");
      expect(c.poll_flags()).to.equal(0);
      expect(await wait_for(c, POLLOUT)).to.equal(POLLOUT);
      expect(c.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
      const [a] = await accept_one(l);
      t.s(a);
      if (fam.family === AF_UNIX) {
        expect(c.getpeername()).to.equal(l.getsockname());
      } else {
        expect(c.getpeername()).to.deep.equal(l.getsockname());
        expect(c.getsockname()).to.deep.equal(a.getpeername());
      }
      expect(c.send(Buffer.from("hello"))).to.equal(5);
      await wait_for(a, POLLIN);
      expect(a.recv(10).toString()).to.equal("hello");
    });

    it("connect_ex() returns EINPROGRESS, then EALREADY while connecting, 0 once connected (as Linux reports completion), then EISCONN", async () => {
      // CPython on Linux: connect_ex 115, (after select) 0, then 106, and connect() raises EISCONN.
      const l = t.s(listening_socket(fam));
      const c = t.s(new socket(fam.family, SOCK_STREAM));
      expect(c.connect_ex(l.getsockname())).to.equal(115);
      expect(c.connect_ex(l.getsockname())).to.equal(114);
      await wait_for(c, POLLOUT);
      expect(c.connect_ex(l.getsockname())).to.equal(0);
      expect(c.connect_ex(l.getsockname())).to.equal(106);
      expect(thrown(() => c.connect(l.getsockname())).message).to.equal("[Errno 106] Transport endpoint is already connected");
    });

    it("connect_ex() on an accepted socket gives EISCONN at once", async () => {
      const l = t.s(listening_socket(fam));
      const c = t.s(new socket(fam.family, SOCK_STREAM));
      c.connect_ex(l.getsockname());
      const [a] = await accept_one(l);
      t.s(a);
      expect(a.connect_ex(l.getsockname())).to.equal(106);
    });

    it("a refused connection turns readable, writable and POLLERR; SO_ERROR gives ECONNREFUSED once, then 0", async () => {
      const target = fam.refused_address();
      const c = t.s(new socket(fam.family, SOCK_STREAM));
      expect(c.connect_ex(target)).to.equal(115);
      await wait_for(c, POLLERR);
      expect(flags_of(c)).to.equal("POLLIN|POLLOUT|POLLERR|POLLHUP");
      expect(c.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(111);
      expect(c.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
      expect(flags_of(c)).to.equal("POLLIN|POLLOUT|POLLHUP");
      expect(c.recv(10).length).to.equal(0);
    });

    it("a refused connect() reports ConnectionRefusedError through recv() when SO_ERROR was not read", async () => {
      const c = t.s(new socket(fam.family, SOCK_STREAM));
      expect(c.connect_ex(fam.refused_address())).to.equal(115);
      await wait_for(c, POLLERR);
      const err = thrown(() => c.recv(10), ConnectionRefusedError);
      expect(err.message).to.equal("[Errno 111] Connection refused");
    });
  });

  describe("half-close", () => {
    it("shutdown(SHUT_WR) sends our FIN while we can still recv", async () => {
      const { ours, peer } = await accepted_pair();
      expect(ours.send(Buffer.from("bye"))).to.equal(3);
      ours.shutdown(SHUT_WR);
      expect((await collect(peer)).toString()).to.equal("bye");
      expect(() => ours.send(Buffer.from("x"))).to.throw(BrokenPipeError);
      peer.end("still talking");
      expect((await recv_all(ours)).toString()).to.equal("still talking");
    });

    it("the peer's FIN shows as recv() → empty Buffer while we can still send", async () => {
      const { ours, peer } = await accepted_pair();
      const received = collect(peer);
      peer.end();
      await wait_for(ours, POLLIN);
      expect(ours.recv(10).length).to.equal(0);
      expect(flags_of(ours)).to.equal("POLLIN|POLLOUT");
      expect(ours.send(Buffer.from("late reply"))).to.equal(10);
      ours.close();
      expect((await received).toString()).to.equal("late reply");
    });

    it("the same holds when we are the connecting side", async () => {
      const { ours, peer } = await client_pair();
      peer.end("server done");
      expect((await recv_all(ours)).toString()).to.equal("server done");
      const received = collect(peer);
      expect(ours.send(Buffer.from("client done"))).to.equal(11);
      ours.shutdown(SHUT_WR);
      expect((await received).toString()).to.equal("client done");
      expect(flags_of(ours)).to.equal("POLLIN|POLLOUT|POLLHUP");
    });
  });

  describe("close()", () => {
    it("right after send() of 4 MiB, the peer still receives every byte, then end of stream", async function () {
      this.timeout(20000);
      const { ours, peer } = await accepted_pair();
      const data = pattern(4 * 1024 * 1024, 3);
      ours.setsockopt(SOL_SOCKET, SO_SNDBUF, 8 * 1024 * 1024);
      const received = collect(peer, 15000);
      expect(ours.send(data)).to.equal(data.length);
      ours.close();
      expect(ours.fileno()).to.equal(-1);
      const got = await received;
      expect(got.length).to.equal(data.length);
      expect(got).to.deep.equal(data);
    });

    it("makes the socket POLLNVAL and every operation throw OSError EBADF; a second close() is a no-op", async () => {
      const { ours } = await accepted_pair();
      ours.close();
      expect(ours.poll_flags()).to.equal(POLLNVAL);
      for (const op of [() => ours.recv(1), () => ours.send(Buffer.from("x")), () => ours.getsockname(), () => ours.listen(1), () => ours.shutdown(SHUT_WR)]) {
        const err = thrown(op);
        expect(err.errno).to.equal(9);
        expect(err.message).to.equal("[Errno 9] Bad file descriptor");
      }
      ours.close();
      expect(ours.poll_flags()).to.equal(POLLNVAL);
    });

    it("a peer that sends after our close() is reset (TCP) or gets EPIPE (AF_UNIX), as on Linux", async () => {
      const { ours, peer } = await accepted_pair();
      const outcome = new Promise<string>((resolve) => {
        peer.once("error", (e: NodeJS.ErrnoException) => resolve(String(e.code)));
      });
      const ended = next_event(peer, "end");
      ours.close();
      await ended;
      // The peer saw our FIN and writes on regardless, until a write fails (bounded: 1000 writes).
      for (let i = 0; i < 1000; i++) {
        const failed = await new Promise<boolean>((r) => peer.write("more", (e) => r(e != null)));
        if (failed || peer.destroyed) break;
        await turn(); // let our side's Node socket see the data
      }
      expect(await outcome).to.be.oneOf(fam.family === AF_UNIX ? ["EPIPE"] : ["ECONNRESET", "EPIPE"]);
    });

    it("close() with unread bytes delivers what send() took, then resets instead of a FIN (TCP), like Linux", async () => {
      const { ours, peer } = await accepted_pair();
      peer.write("unread");
      await wait_for(ours, POLLIN);
      const data = pattern(100000, 9);
      const got = receive_exactly(peer, data.length);
      const outcome = new Promise<string>((resolve) => {
        peer.once("error", (e: NodeJS.ErrnoException) => resolve(String(e.code)));
        peer.once("end", () => resolve("end"));
      });
      expect(ours.send(data)).to.equal(data.length);
      ours.close();
      expect(await got).to.deep.equal(data);
      // Node may show the reset after the data as an error or as an end of stream; either way the
      // connection is gone at once: the peer's very first write fails (after a FIN alone it would succeed).
      const seen = await outcome;
      if (seen === "end") {
        const err = await new Promise<NodeJS.ErrnoException | null | undefined>((r) => peer.write("x", r));
        expect(err?.code).to.be.oneOf(["EPIPE", "ECONNRESET"]);
      } else {
        expect(seen).to.equal("ECONNRESET");
      }
    });

    it("of a listener resets connections still waiting in its accept queue", async () => {
      const l = t.s(listening_socket(fam));
      const peer = t.n(await connect_client(fam.connect_options(l.getsockname())));
      await wait_for(l, POLLIN);
      const ended = new Promise<string>((resolve) => {
        peer.once("error", (e: NodeJS.ErrnoException) => resolve(String(e.code)));
        peer.once("end", () => resolve("end"));
      });
      l.close();
      // TCP peers see the reset; an AF_UNIX peer sees the connection go away.
      expect(await ended).to.be.oneOf(fam.family === AF_UNIX ? ["end", "ECONNRESET"] : ["ECONNRESET"]);
    });
  });

  describe("backpressure", () => {
    /**
     * The peer writes `chunk` as fast as Node lets it, up to `total` bytes, and stops once a write
     * stays undrained for 250 ms; the bytes it wrote. Rejects if nothing held it back.
     */
    function flood_until_stalled(peer: net.Socket, chunk: Buffer, total: number): Promise<number> {
      let written = 0;
      return new Promise<number>((resolve, reject) => {
        let timer: NodeJS.Timeout | null = null;
        const pump = (): void => {
          if (timer) clearTimeout(timer);
          while (written < total) {
            written += chunk.length;
            if (!peer.write(chunk)) {
              timer = setTimeout(() => {
                peer.removeListener("drain", pump);
                resolve(written);
              }, 250);
              peer.once("drain", pump);
              return;
            }
          }
          reject(new Error(`the peer wrote all ${total} bytes: nothing held it back`));
        };
        pump();
      });
    }

    it("a fast sender cannot grow our receive buffer past about SO_RCVBUF while we read nothing", async function () {
      this.timeout(30000);
      const { ours, peer } = await accepted_pair();
      const rcvbuf = 65536;
      ours.setsockopt(SOL_SOCKET, SO_RCVBUF, rcvbuf);
      const total = 64 * 1024 * 1024;
      const chunk = pattern(256 * 1024, 5);
      const written = await flood_until_stalled(peer, chunk, total);
      // Everything our socket holds (recv() until EAGAIN, no waiting): bounded by SO_RCVBUF plus one Node chunk.
      const held = drain(ours);
      expect(held.length).to.be.greaterThan(0);
      expect(held.length).to.be.at.most(rcvbuf + 65536);
      expect(written).to.be.lessThan(total);
      expect(peer.writableLength).to.be.greaterThan(0);
      // Reading resumes the flow: the data is intact and in order.
      expect(held).to.deep.equal(Buffer.concat([chunk, chunk]).subarray(0, held.length));
    });
    it("with the default SO_RCVBUF, a fast sender cannot grow our receive buffer past 1 MiB (autotuned, bounded) while we read nothing", async function () {
      this.timeout(30000);
      const { ours, peer } = await accepted_pair();
      const total = 64 * 1024 * 1024;
      const chunk = pattern(256 * 1024, 9);
      const written = await flood_until_stalled(peer, chunk, total);
      const held = drain(ours);
      // More than SO_RCVBUF itself (the autotuned limit), at most 1 MiB plus one Node chunk.
      expect(held.length).to.be.greaterThan(131072);
      expect(held.length).to.be.at.most(1024 * 1024 + 65536);
      expect(written).to.be.lessThan(total);
      expect(held).to.deep.equal(Buffer.concat([chunk, chunk, chunk, chunk, chunk]).subarray(0, held.length));
    });
    it("raising SO_RCVBUF while paused lets more bytes in without a recv()", async function () {
      const { ours, peer } = await accepted_pair();
      ours.setsockopt(SOL_SOCKET, SO_RCVBUF, 1000);
      ours.shutdown(SHUT_WR);
      const data = pattern(300000, 11);
      peer.end(data);
      await wait_for(ours, POLLIN);
      // Paused near 1000 bytes; a large buffer lets the whole stream in, up to the peer's FIN (POLLHUP).
      ours.setsockopt(SOL_SOCKET, SO_RCVBUF, 1 << 20);
      await wait_for(ours, POLLHUP);
      // All of it is buffered now: recv() hands it out (chunk by chunk) without waiting, then end of stream.
      expect(drain(ours)).to.deep.equal(data);
    });
  });

  describe("sends made while received bytes wait unread", () => {
    it("reach the peer even when the socket is never read or written again", async () => {
      const { ours, peer } = await accepted_pair();
      peer.write("0123456789abcdefghij");
      await wait_for(ours, POLLIN);
      // Wait for all 20 bytes, then read only 5: 15 stay unread while we send.
      while (ours.recv(20, MSG_PEEK).length < 20) await next_turn();
      expect(ours.recv(5).toString()).to.equal("01234");
      const reply = Buffer.from("reply to the first five\n");
      expect(ours.send(reply)).to.equal(reply.length);
      expect(await receive_exactly(peer, reply.length)).to.deep.equal(reply);
      expect(ours.recv(100).toString()).to.equal("56789abcdefghij");
    });

    it("an echo taking 8 KiB per turn of a 1 MiB stream returns every byte in order", async function () {
      this.timeout(30000);
      const { ours, peer } = await accepted_pair();
      const data = pattern(1024 * 1024, 13);
      const got = receive_exactly(peer, data.length, 20000);
      peer.write(data);
      let echoed = 0;
      while (echoed < data.length) {
        await wait_for(ours, POLLIN);
        const d = ours.recv(8192);
        let at = 0;
        while (at < d.length) {
          try {
            at += ours.send(d.subarray(at));
          } catch (e) {
            if (!(e instanceof BlockingIOError)) throw e;
            await wait_for(ours, POLLOUT);
          }
        }
        echoed += d.length;
        // One recv and one send per turn of Node's loop, as asyncore's loop makes them.
        await next_turn();
      }
      expect(await got).to.deep.equal(data);
    });

    it("leave the socket writable (POLLOUT) while they wait for the next turn", async () => {
      const { ours, peer } = await accepted_pair();
      peer.write("x".repeat(100));
      await wait_for(ours, POLLIN);
      while (ours.recv(100, MSG_PEEK).length < 100) await next_turn();
      ours.recv(10);
      const data = pattern(8192, 3);
      expect(ours.send(data)).to.equal(data.length);
      expect(ours.poll_flags() & POLLOUT).to.equal(POLLOUT);
      expect(await receive_exactly(peer, data.length)).to.deep.equal(data);
    });
  });

  describe("several sends in one turn of Node's loop", () => {
    it("arrive in order, and a lone send in the next turn follows them at once", async () => {
      const { ours, peer } = await accepted_pair();
      const got = receive_exactly(peer, 9);
      expect(ours.send(Buffer.from("one"))).to.equal(3);
      expect(ours.send(Buffer.from("two"))).to.equal(3);
      await next_turn();
      // The turn after one with several sends holds its first send for the rest: here there is none.
      expect(ours.send(Buffer.from("six"))).to.equal(3);
      expect((await got).toString()).to.equal("onetwosix");
    });
  });

  describe("poll_flags()", () => {
    it("matches Linux through a socket's life: fresh, bound, listening, queued, connected, half-closed, closed", async () => {
      const l = t.s(new socket(fam.family, SOCK_STREAM));
      expect(flags_of(l)).to.equal("POLLOUT|POLLHUP");
      l.bind(fam.bind_address());
      expect(flags_of(l)).to.equal("POLLOUT|POLLHUP");
      l.listen(5);
      expect(flags_of(l)).to.equal("0");
      const peer = t.n(await connect_client(fam.connect_options(l.getsockname())));
      expect(await wait_for(l, POLLIN)).to.equal(POLLIN);
      const [a] = l.accept();
      t.s(a);
      expect(flags_of(l)).to.equal("0");
      expect(flags_of(a)).to.equal("POLLOUT");
      peer.write("x");
      await wait_for(a, POLLIN);
      expect(flags_of(a)).to.equal("POLLIN|POLLOUT");
      a.recv(1);
      expect(flags_of(a)).to.equal("POLLOUT");
      peer.end();
      await wait_for(a, POLLIN);
      expect(flags_of(a)).to.equal("POLLIN|POLLOUT");
      a.shutdown(SHUT_WR);
      expect(flags_of(a)).to.equal("POLLIN|POLLOUT|POLLHUP");
      a.close();
      expect(flags_of(a)).to.equal("POLLNVAL");
    });
  });
}

for (const fam of FAMILIES) {
  describe(`socket: stream over ${fam.name}`, () => suite(fam));
}

describe("socket: AF_UNIX specifics", () => {
  const unix = FAMILIES.find((f) => f.family === AF_UNIX)!;

  it("connect_ex() to a path that does not exist returns ENOENT at once and leaves the socket unconnected", async () => {
    const c = new socket(AF_UNIX, SOCK_STREAM);
    const l = listening_socket(unix);
    try {
      expect(c.connect_ex(unix.bind_address())).to.equal(2);
      expect(flag_names(c.poll_flags())).to.equal("POLLOUT|POLLHUP");
      expect(() => c.connect(unix.bind_address())).to.throw(FileNotFoundError, "[Errno 2] No such file or directory");
      // Still usable: it connects to a real listener afterwards.
      expect(c.connect_ex(l.getsockname())).to.equal(115);
      await wait_for(c, POLLOUT);
      const [a] = await accept_one(l);
      a.close();
    } finally {
      c.close();
      l.close();
    }
  });

  it("listen() on an unbound socket binds it to an abstract-namespace name that clients can reach", async () => {
    const l = new socket(AF_UNIX, SOCK_STREAM);
    try {
      l.listen(1);
      const name = l.getsockname() as string;
      expect(name.startsWith("\0")).to.equal(true);
      expect(name.length).to.be.greaterThan(1);
      const peer = await connect_client({ path: name });
      const [a] = await accept_one(l);
      peer.destroy();
      a.close();
    } finally {
      l.close();
    }
  });
});
