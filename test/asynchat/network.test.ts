// Counterparts of CPython 3.11's test_asynchat.py network tests: IPv4, IPv6, AF_UNIX × select/poll.
import * as net from "node:net";
import { expect } from "chai";
import * as asynchat from "../../src/asynchat/index.js";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { LOOP_CASES, cleanup_unix_paths, loop_until, within, type FamilyCase } from "../helpers/asyncore.js";

const SERVER_QUIT = Buffer.from("QUIT\n");
const B = (s: string): Buffer => Buffer.from(s, "latin1");

/**
 * CPython's echo_server thread, on Node's own net module: takes one connection, gathers bytes
 * until QUIT\n (or end of stream), then — once `gate` opens — sends them all back (QUIT removed)
 * in `chunk_size` pieces, and closes.
 */
class echo_server {
  buffer: Buffer = Buffer.alloc(0);
  chunk_size = 1;
  gate: Promise<void> = Promise.resolve();
  /** Resolves when the server has seen QUIT or end of stream. */
  readonly got_all: Promise<void>;
  /** Resolves when the server closed its connection and itself. */
  readonly done: Promise<void>;
  private readonly server: net.Server;
  private mark_all!: () => void;
  private mark_done!: () => void;

  private constructor(readonly address: socket.Address) {
    this.got_all = new Promise((r) => (this.mark_all = r));
    this.done = new Promise((r) => (this.mark_done = r));
    this.server = net.createServer({ allowHalfOpen: true }, (conn) => this.serve(conn));
    this.server.on("error", () => {});
  }

  static async start(fc: FamilyCase): Promise<echo_server> {
    const want = fc.addr();
    const s = new echo_server(want);
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      if (typeof want === "string") s.server.listen(want, resolve);
      else s.server.listen(0, fc.host, resolve);
    });
    const a = s.server.address();
    (s as { address: socket.Address }).address = typeof a === "string" ? a : [fc.host, (a as net.AddressInfo).port];
    return s;
  }

  private serve(conn: net.Socket): void {
    this.server.close();
    conn.on("error", () => {});
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.buffer = B(this.buffer.toString("latin1").replaceAll(SERVER_QUIT.toString("latin1"), ""));
      this.mark_all();
      void this.resend(conn);
    };
    conn.on("data", (d: Buffer) => {
      if (finished) return;
      this.buffer = Buffer.concat([this.buffer, d]);
      if (this.buffer.includes(SERVER_QUIT)) finish();
    });
    conn.on("end", finish);
    conn.on("close", () => {
      finish();
      this.mark_done();
    });
  }

  private async resend(conn: net.Socket): Promise<void> {
    await this.gate;
    for (let at = 0; at < this.buffer.length && !conn.destroyed; at += this.chunk_size) {
      conn.write(this.buffer.subarray(at, at + this.chunk_size));
      // let each piece go out on its own, like the thread's send()+sleep
      await new Promise((r) => setImmediate(r));
    }
    conn.end();
    conn.on("finish", () => conn.destroy());
  }

  close(): void {
    this.server.close();
  }
}

/** CPython's echo_client: collects everything between terminators into `contents`. */
class echo_client extends asynchat.async_chat {
  contents: Buffer[] = [];
  buffer: Buffer = Buffer.alloc(0);
  closed = false;

  constructor(terminator: asynchat.terminator, fc: FamilyCase, address: socket.Address, map: asyncore.SocketMap) {
    super(null, map);
    this.create_socket(fc.family, socket.SOCK_STREAM);
    this.connect(address);
    this.set_terminator(terminator);
  }

  override handle_connect(): void {}

  override collect_incoming_data(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
  }

  override found_terminator(): void {
    this.contents.push(this.buffer);
    this.buffer = Buffer.alloc(0);
  }

  override close(): void {
    this.closed = true;
    super.close();
  }
}

for (const lc of LOOP_CASES) {
  describe(`asynchat over the network (${lc.label}) — test_asynchat.py`, function () {
    this.timeout(15000);
    let map: asyncore.SocketMap;
    let servers: echo_server[] = [];

    beforeEach(() => {
      map = new Map();
      servers = [];
    });

    afterEach(() => {
      asyncore.close_all(map);
      for (const s of servers) s.close();
      cleanup_unix_paths();
    });

    async function start(): Promise<echo_server> {
      const s = await echo_server.start(lc);
      servers.push(s);
      return s;
    }

    /** Run the loop until the client is closed (the server hung up), then wait for the server. */
    async function run(c: echo_client, s: echo_server): Promise<void> {
      await loop_until(() => c.closed, { use_poll: lc.use_poll, map, ms: 8000, what: "client closed" });
      await within(s.done, 5000, "echo server finished");
    }

    async function line_terminator_check(term: Buffer, server_chunk: number): Promise<void> {
      const s = await start();
      s.chunk_size = server_chunk;
      const c = new echo_client(term, lc, s.address, map);
      c.push(B("hello "));
      c.push(Buffer.concat([B("world"), term]));
      c.push(Buffer.concat([B("I'm not dead yet!"), term]));
      c.push(SERVER_QUIT);
      await run(c, s);
      expect(c.contents.map((x) => x.toString("latin1"))).to.deep.equal(["hello world", "I'm not dead yet!"]);
    }

    for (const [name, term] of [["1", "\n"], ["2", "\r\n"], ["3", "qqq"]] as const) {
      it(`test_line_terminator${name}: ${JSON.stringify(term)} with server chunks of 1, 2, 3`, async () => {
        for (const l of [1, 2, 3]) await line_terminator_check(B(term), l);
      });
    }

    async function numeric_terminator_check(termlen: number): Promise<void> {
      const s = await start();
      const c = new echo_client(termlen, lc, s.address, map);
      const data = B("hello world, I'm not dead yet!\n");
      c.push(data);
      c.push(SERVER_QUIT);
      await run(c, s);
      expect(c.contents).to.deep.equal([data.subarray(0, termlen)]);
      expect(c.buffer).to.deep.equal(data.subarray(termlen));
    }

    it("test_numeric_terminator1", () => numeric_terminator_check(1));
    it("test_numeric_terminator2", () => numeric_terminator_check(6));

    it("test_none_terminator", async () => {
      const s = await start();
      const c = new echo_client(null, lc, s.address, map);
      const data = B("hello world, I'm not dead yet!\n");
      c.push(data);
      c.push(SERVER_QUIT);
      await run(c, s);
      expect(c.contents).to.deep.equal([]);
      expect(c.buffer).to.deep.equal(data);
    });

    it("test_simple_producer", async () => {
      const s = await start();
      const c = new echo_client(B("\n"), lc, s.address, map);
      const data = B("hello world\nI'm not dead yet!\n");
      c.push_with_producer(new asynchat.simple_producer(Buffer.concat([data, SERVER_QUIT]), 8));
      await run(c, s);
      expect(c.contents.map((x) => x.toString("latin1"))).to.deep.equal(["hello world", "I'm not dead yet!"]);
    });

    it("test_string_producer", async () => {
      const s = await start();
      const c = new echo_client(B("\n"), lc, s.address, map);
      const data = B("hello world\nI'm not dead yet!\n");
      c.push_with_producer(Buffer.concat([data, SERVER_QUIT]));
      await run(c, s);
      expect(c.contents.map((x) => x.toString("latin1"))).to.deep.equal(["hello world", "I'm not dead yet!"]);
    });

    it("test_empty_line", async () => {
      const s = await start();
      const c = new echo_client(B("\n"), lc, s.address, map);
      c.push(B("hello world\n\nI'm not dead yet!\n"));
      c.push(SERVER_QUIT);
      await run(c, s);
      expect(c.contents.map((x) => x.toString("latin1"))).to.deep.equal(["hello world", "", "I'm not dead yet!"]);
    });

    it("test_close_when_done", async () => {
      const s = await start();
      let open_gate!: () => void;
      s.gate = new Promise((r) => (open_gate = r));
      const c = new echo_client(B("\n"), lc, s.address, map);
      c.push(B("hello world\nI'm not dead yet!\n"));
      c.push(SERVER_QUIT);
      c.close_when_done();
      await loop_until(() => c.closed, { use_poll: lc.use_poll, map, ms: 8000, what: "client closed itself" });
      expect(map.size).to.equal(0);
      await within(s.got_all, 5000, "server received the data");
      // only now may the server echo: the client is already gone
      open_gate();
      await within(s.done, 5000, "echo server finished");
      expect(c.contents).to.deep.equal([]);
      expect(s.buffer.toString("latin1")).to.equal("hello world\nI'm not dead yet!\n");
    });

    it("test_push: bytes, Uint8Array and views; TypeError for int and str", async () => {
      const s = await start();
      const c = new echo_client(B("\n"), lc, s.address, map);
      const data = B("bytes\n");
      c.push(data);
      c.push(new Uint8Array(data));
      c.push(B("..bytes\n..").subarray(2, 8));
      expect(() => c.push(10 as never)).to.throw(TypeError);
      expect(() => c.push("unicode" as never)).to.throw(TypeError);
      c.push(SERVER_QUIT);
      await run(c, s);
      expect(c.contents.map((x) => x.toString("latin1"))).to.deep.equal(["bytes", "bytes", "bytes"]);
    });

    it("pushes large data (4 MiB in ac_out_buffer_size slices) and gets it all back", async () => {
      const s = await start();
      s.chunk_size = 1 << 20;
      const c = new echo_client(null, lc, s.address, map);
      const big = Buffer.alloc(4 << 20);
      for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
      c.push(big);
      c.push(SERVER_QUIT);
      await run(c, s);
      expect(c.buffer.length).to.equal(big.length);
      expect(c.buffer).to.deep.equal(big);
    });
  });
}
