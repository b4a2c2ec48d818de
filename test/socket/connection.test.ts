// Connection's write batching: each connection sends its tick's first write at once and holds the rest for one write at its tick's end.
import * as net from "node:net";
import { expect } from "chai";
import { Connection } from "../../src/socket/connection.js";
import type { EndpointOwner } from "../../src/socket/endpoint.js";
import { AF_INET } from "../../src/socket/constants.js";
import { default_options } from "../../src/socket/options.js";
import { next_event, receive_exactly } from "../helpers/net.js";

interface pair {
  readonly conn: Connection;
  /** The Node socket under `conn`. */
  readonly node: net.Socket;
  /** The other end, a plain Node socket. */
  readonly peer: net.Socket;
}

const owner: EndpointOwner = {
  family: AF_INET,
  options: default_options(),
  changed() {},
  error() {},
  warn() {},
};

/** Resolves once the ticks queued so far (the connections' tick ends among them) have run. */
const tick_end = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe("socket/Connection write batching", () => {
  let server: net.Server;
  const open: net.Socket[] = [];

  before(async () => {
    server = net.createServer();
    server.listen(0, "127.0.0.1");
    await next_event(server, "listening");
  });

  after(() => {
    server.close();
  });

  afterEach(() => {
    for (const s of open.splice(0)) s.destroy();
  });

  async function connect(): Promise<pair> {
    const accepted = next_event<net.Socket>(server, "connection");
    const node = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
    await next_event(node, "connect");
    const peer = await accepted;
    open.push(node, peer);
    const conn = new Connection(node, true);
    conn.attach(owner);
    return { conn, node, peer };
  }

  /** Counts the writes Node's socket is given (each a write system call when the kernel has room). */
  function count_writes(node: net.Socket): { n: number } {
    const count = { n: 0 };
    const write = node.write.bind(node) as (...a: unknown[]) => boolean;
    (node as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
      count.n++;
      return write(...a);
    };
    return count;
  }

  it("writes the first send of a tick at once, holds the tick's later sends, and writes them as one when the tick ends", async () => {
    const { conn, node, peer } = await connect();
    const writes = count_writes(node);
    const got = receive_exactly(peer, 9);
    conn.write(Buffer.from("one"));
    expect(writes.n, "first send: straight out").to.equal(1);
    conn.write(Buffer.from("two"));
    conn.write(Buffer.from("six"));
    expect(writes.n, "later sends: held").to.equal(1);
    await tick_end();
    expect(writes.n, "held sends: one write").to.equal(2);
    expect((await got).toString()).to.equal("onetwosix");
    // the next tick starts afresh
    conn.write(Buffer.from("!"));
    expect(writes.n).to.equal(3);
  });

  it("10,000 small sends in one tick leave in one write, not a writev of 10,000 buffers (IOV_MAX per libuv turn)", async () => {
    const { conn, node, peer } = await connect();
    const writes = count_writes(node);
    const got = receive_exactly(peer, 80_000);
    for (let i = 0; i < 10_000; i++) expect(conn.write(Buffer.from("250 OK\r\n"))).to.equal(8);
    await tick_end();
    expect(writes.n).to.equal(2);
    expect((await got).toString()).to.equal("250 OK\r\n".repeat(10_000));
  });

  it("batches each connection on its own: one connection's sends do not hold or release another's", async () => {
    const a = await connect();
    const b = await connect();
    const wa = count_writes(a.node);
    const wb = count_writes(b.node);
    a.conn.write(Buffer.from("a1"));
    a.conn.write(Buffer.from("a2"));
    b.conn.write(Buffer.from("b1"));
    expect([wa.n, wb.n], "b's first send goes out at once").to.deep.equal([1, 1]);
    b.conn.write(Buffer.from("b2"));
    expect(wb.n).to.equal(1);
    await tick_end();
    expect([wa.n, wb.n]).to.deep.equal([2, 2]);
    expect((await receive_exactly(a.peer, 4)).toString()).to.equal("a1a2");
    expect((await receive_exactly(b.peer, 4)).toString()).to.equal("b1b2");
  });

  it("a connection released with sends held still delivers every byte send() took", async () => {
    const { conn, peer } = await connect();
    const got = receive_exactly(peer, 6);
    conn.write(Buffer.from("ab"));
    conn.write(Buffer.from("cd"));
    conn.write(Buffer.from("ef"));
    conn.release();
    await tick_end();
    expect((await got).toString()).to.equal("abcdef");
  });
});

describe("socket/Connection shutdown with sends held", () => {
  it("shutdown(SHUT_WR) in the same tick as sends: every byte, then the FIN", async () => {
    const server = net.createServer({ allowHalfOpen: true });
    server.listen(0, "127.0.0.1");
    await next_event(server, "listening");
    const accepted = next_event<net.Socket>(server, "connection");
    const node = net.connect({ port: (server.address() as net.AddressInfo).port, host: "127.0.0.1", allowHalfOpen: true });
    await next_event(node, "connect");
    const peer = await accepted;
    try {
      const conn = new Connection(node, true);
      conn.attach(owner);
      const chunks: Buffer[] = [];
      peer.on("data", (d: Buffer) => chunks.push(d));
      const ended = next_event(peer, "end");
      conn.write(Buffer.from("ab"));
      conn.write(Buffer.from("cd"));
      conn.shutdown_write();
      await ended;
      expect(Buffer.concat(chunks).toString()).to.equal("abcd");
    } finally {
      node.destroy();
      peer.destroy();
      server.close();
    }
  });
});
