// Connection's write batching: each connection sends its tick's first write at once and corks the rest until its tick ends.
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

  it("writes the first send of a tick at once, corks the tick's later sends, and uncorks them together when the tick ends", async () => {
    const { conn, node, peer } = await connect();
    const got = receive_exactly(peer, 9);
    conn.write(Buffer.from("one"));
    expect(node.writableCorked, "first send: straight out").to.equal(0);
    conn.write(Buffer.from("two"));
    conn.write(Buffer.from("six"));
    expect(node.writableCorked, "later sends: corked once").to.equal(1);
    await tick_end();
    expect(node.writableCorked).to.equal(0);
    expect((await got).toString()).to.equal("onetwosix");
    // the next tick starts afresh
    conn.write(Buffer.from("!"));
    expect(node.writableCorked).to.equal(0);
  });

  it("batches each connection on its own: one connection's sends do not cork or uncork another", async () => {
    const a = await connect();
    const b = await connect();
    a.conn.write(Buffer.from("a1"));
    a.conn.write(Buffer.from("a2"));
    b.conn.write(Buffer.from("b1"));
    expect([a.node.writableCorked, b.node.writableCorked], "b's first send goes out at once").to.deep.equal([1, 0]);
    b.conn.write(Buffer.from("b2"));
    expect(b.node.writableCorked).to.equal(1);
    await tick_end();
    expect([a.node.writableCorked, b.node.writableCorked]).to.deep.equal([0, 0]);
    expect((await receive_exactly(a.peer, 4)).toString()).to.equal("a1a2");
    expect((await receive_exactly(b.peer, 4)).toString()).to.equal("b1b2");
  });

  it("a connection released while corked still delivers every byte send() took", async () => {
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
