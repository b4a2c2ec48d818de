// Connection's write batching (a tick's sends leave in at most two writes, one while input waits unread or after a tick of several sends) and its FIN_WAIT2 bound.
import * as net from "node:net";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { Connection } from "../../src/socket/connection.js";
import { next_event, receive_exactly } from "../helpers/net.js";
import { quiet_owner } from "../helpers/endpoint_owner.js";

interface pair {
  readonly conn: Connection;
  /** The Node socket under `conn`. */
  readonly node: net.Socket;
  /** The other end, a plain Node socket. */
  readonly peer: net.Socket;
}


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
    conn.attach(quiet_owner);
    return { conn, node, peer };
  }

  /**
   * Counts the writes Node's socket is given (each a write system call when the kernel has room):
   * writes made while corked count once, at the uncork that hands them over as one writev.
   */
  function count_writes(node: net.Socket): { n: number } {
    const count = { n: 0 };
    let corked_writes = 0;
    const write = node.write.bind(node) as (...a: unknown[]) => boolean;
    const uncork = node.uncork.bind(node);
    (node as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
      if (node.writableCorked > 0) corked_writes++;
      else count.n++;
      return write(...a);
    };
    node.uncork = () => {
      if (node.writableCorked === 1 && corked_writes > 0) {
        count.n++;
        corked_writes = 0;
      }
      uncork();
    };
    return count;
  }

  it("writes the first send of a tick at once and the later ones as one at its end; after such a tick, the next tick's first send waits for its end too", async () => {
    const { conn, node, peer } = await connect();
    const writes = count_writes(node);
    const got = receive_exactly(peer, 11);
    conn.send(Buffer.from("one"));
    expect(writes.n, "first send: straight out").to.equal(1);
    conn.send(Buffer.from("two"));
    conn.send(Buffer.from("six"));
    expect(writes.n, "later sends: held").to.equal(1);
    await tick_end();
    expect(writes.n, "held sends: one write").to.equal(2);
    // The tick after one that sent several times holds its first send too ...
    conn.send(Buffer.from("!"));
    expect(writes.n).to.equal(2);
    await tick_end();
    expect(writes.n).to.equal(3);
    // ... and the tick after one with a single send writes its first at once again.
    conn.send(Buffer.from("?"));
    expect(writes.n).to.equal(4);
    expect((await got).toString()).to.equal("onetwosix!?");
  });

  /** `conn` holding the peer's `data`, unread. */
  async function with_unread(p: pair, data: string): Promise<void> {
    p.peer.write(data);
    while ((p.conn.read(data.length, true)?.length ?? 0) < data.length) await new Promise((r) => setImmediate(r));
  }

  it("while received bytes wait unread, sends of successive ticks are carried and leave as one write once the input is read", async () => {
    const p = await connect();
    await with_unread(p, "abcdefgh");
    const writes = count_writes(p.node);
    const got = receive_exactly(p.peer, 3);
    expect(p.conn.read(2, false)?.toString()).to.equal("ab");
    p.conn.send(Buffer.from("1"));
    await tick_end();
    expect(writes.n, "6 bytes unread: carried").to.equal(0);
    expect(p.conn.read(2, false)?.toString()).to.equal("cd");
    p.conn.send(Buffer.from("2"));
    await tick_end();
    expect(writes.n, "4 bytes unread: carried").to.equal(0);
    expect(p.conn.read(4, false)?.toString()).to.equal("efgh");
    p.conn.send(Buffer.from("3"));
    await tick_end();
    expect(writes.n, "all read: one write").to.equal(1);
    expect((await got).toString()).to.equal("123");
  });

  it("carried sends leave at the next turn of Node's loop when no send follows, though the input stays unread", async () => {
    const p = await connect();
    await with_unread(p, "abcdefgh");
    const writes = count_writes(p.node);
    const got = receive_exactly(p.peer, 1);
    p.conn.read(2, false);
    p.conn.send(Buffer.from("x"));
    await tick_end();
    expect(writes.n).to.equal(0);
    await new Promise((r) => setImmediate(r));
    expect(writes.n).to.equal(1);
    expect((await got).toString()).to.equal("x");
  });

  /** The next turn of Node's loop (its check phase, where a carry's check runs). */
  const next_turn = (): Promise<void> => new Promise((r) => setImmediate(r));

  it("carried sends of successive turns, each made in the turn's check phase as a loop's handler makes them, leave at the first turn without a send", async () => {
    const p = await connect();
    await with_unread(p, "abcdefgh");
    const writes = count_writes(p.node);
    const got = receive_exactly(p.peer, 3);
    // Each turn's immediate is queued before the tick's end carries, as a loop queues its yield
    // before the handlers' sends end their tick: the carry's check runs after it, in its turn.
    await next_turn();
    let turn = next_turn();
    for (const c of ["1", "2", "3"]) {
      p.conn.read(1, false);
      p.conn.send(Buffer.from(c));
      await tick_end();
      await turn;
      turn = next_turn();
    }
    expect(writes.n, "5 bytes unread, a send every turn: carried").to.equal(0);
    await turn;
    expect(writes.n, "a turn without a send: one write").to.equal(1);
    expect((await got).toString()).to.equal("123");
  });

  it("a recv that takes the last unread bytes after a carried send of the same tick lets the carried sends go at that tick's end", async () => {
    const p = await connect();
    await with_unread(p, "abcd");
    const writes = count_writes(p.node);
    const got = receive_exactly(p.peer, 2);
    await next_turn();
    const turn = next_turn();
    p.conn.read(1, false);
    p.conn.send(Buffer.from("1"));
    await tick_end();
    await turn;
    p.conn.read(1, false);
    p.conn.send(Buffer.from("2"));
    expect(p.conn.read(2, false)?.toString()).to.equal("cd");
    expect(writes.n, "not before the tick's end").to.equal(0);
    await tick_end();
    expect(writes.n, "all read: one write at the tick's end").to.equal(1);
    expect((await got).toString()).to.equal("12");
  });

  it("carried sends stop at 64 KiB: the tick that reaches it writes them", async () => {
    const p = await connect();
    await with_unread(p, "abcdefgh");
    const writes = count_writes(p.node);
    const got = receive_exactly(p.peer, 65536);
    p.conn.send(Buffer.alloc(32768, 0x61));
    await tick_end();
    expect(writes.n).to.equal(0);
    p.conn.send(Buffer.alloc(32768, 0x62));
    await tick_end();
    expect(writes.n).to.equal(1);
    const all = await got;
    expect(all.subarray(0, 32768).every((b) => b === 0x61) && all.subarray(32768).every((b) => b === 0x62)).to.equal(true);
  });

  it("10,000 small sends in one tick leave in one write, not a writev of 10,000 buffers (IOV_MAX per libuv turn)", async () => {
    const { conn, node, peer } = await connect();
    const writes = count_writes(node);
    const got = receive_exactly(peer, 80_000);
    for (let i = 0; i < 10_000; i++) expect(conn.send(Buffer.from("250 OK\r\n"))).to.equal(8);
    await tick_end();
    expect(writes.n).to.equal(2);
    expect((await got).toString()).to.equal("250 OK\r\n".repeat(10_000));
  });

  it("batches each connection on its own: one connection's sends do not hold or release another's", async () => {
    const a = await connect();
    const b = await connect();
    const wa = count_writes(a.node);
    const wb = count_writes(b.node);
    a.conn.send(Buffer.from("a1"));
    a.conn.send(Buffer.from("a2"));
    b.conn.send(Buffer.from("b1"));
    expect([wa.n, wb.n], "b's first send goes out at once").to.deep.equal([1, 1]);
    b.conn.send(Buffer.from("b2"));
    expect(wb.n).to.equal(1);
    await tick_end();
    expect([wa.n, wb.n]).to.deep.equal([2, 2]);
    expect((await receive_exactly(a.peer, 4)).toString()).to.equal("a1a2");
    expect((await receive_exactly(b.peer, 4)).toString()).to.equal("b1b2");
  });

  it("a connection released with sends held still delivers every byte send() took", async () => {
    const { conn, peer } = await connect();
    const got = receive_exactly(peer, 6);
    conn.send(Buffer.from("ab"));
    conn.send(Buffer.from("cd"));
    conn.send(Buffer.from("ef"));
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
      conn.attach(quiet_owner);
      const chunks: Buffer[] = [];
      peer.on("data", (d: Buffer) => chunks.push(d));
      const ended = next_event(peer, "end");
      conn.send(Buffer.from("ab"));
      conn.send(Buffer.from("cd"));
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

describe("socket/Connection closed before the peer's FIN (FIN_WAIT2)", () => {
  it("is torn down 60 s after its FIN left, each connection on its own time; one whose peer's FIN comes just closes; a lost sweeper timer is replaced", async () => {
    // In a child process on a fake clock (fin_wait_child.ts says why); its log, in order.
    const child = fileURLToPath(new URL("./fin_wait_child.js", import.meta.url));
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [child], { timeout: 15000 }, (err, stdout, stderr) => (err ? reject(new Error(`${String(err)}\n${stderr}`)) : resolve(stdout)));
    });
    expect(JSON.parse(out)).to.deep.equal([
      "a fin 0",
      "b fin 30000",
      "c fin 30000",
      "c close 30000",
      "a destroyed false 59999",
      "a destroyed true 60000",
      "a close 60000",
      // shutdown(SHUT_WR) before close(): the wait starts at close().
      "d fin 75000",
      "b destroyed false 89999",
      "b destroyed true 90000",
      "b close 90000",
      "d destroyed false 134999",
      "d destroyed true 135000",
      "d close 135000",
      // The last connection gone, no timer is left armed.
      "timers 0",
      // A sweeper's timer lost with a fake clock is replaced by the first close a minute past its time.
      "e fin 135000",
      "f fin 300000",
      "e f destroyed false false 359999",
      "e f destroyed true true 360000",
      "timers 0",
    ]);
  });
});
