// Counterparts of CPython 3.11's test_asyncore.py (all but OOB / handle_expt), written fresh, run for
// IPv4, IPv6 and AF_UNIX, each with the select-based and the poll-based loop: one suite body, 6 runs.
import { expect } from "chai";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, constants as fsc } from "node:fs";
import { createServer, type Server, type Socket as NodeSocket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as asyncore from "../../src/asyncore/index.js";
import { EADDRINUSE, OSError } from "../../src/errno/index.js";
import * as select from "../../src/select/index.js";
import * as socket from "../../src/socket/index.js";
import {
  LOOP_CASES, capture_output, cleanup_unix_paths, loop_until, within, type LoopCase,
} from "../helpers/asyncore.js";

// ---- stub objects of the helper-function tests -------------------------------------------------

class dummysocket {
  closed = false;
  close(): void {
    this.closed = true;
  }
  fileno(): number {
    return 42;
  }
}

class dummychannel {
  socket = new dummysocket();
  close(): void {
    this.socket.close();
  }
}

function exiting(): never {
  throw new asyncore.ExitNow();
}

class exitingdummy {
  handle_read_event = exiting;
  handle_write_event = exiting;
  handle_close = exiting;
  handle_expt_event = exiting;
}

class crashingdummy {
  error_handled = false;
  error: unknown = undefined;
  readonly thrown = new Error("crash");
  private crash = (): never => {
    throw this.thrown;
  };
  handle_read_event = this.crash;
  handle_write_event = this.crash;
  handle_close = this.crash;
  handle_expt_event = this.crash;
  handle_error(err?: unknown): void {
    this.error_handled = true;
    this.error = err;
  }
}

const as_channel = (x: object): asyncore.Channel => x as unknown as asyncore.Channel;

class ZeroDivisionError extends Error {
  override name = "ZeroDivisionError";
}

// ---- the dispatchers of the API tests ---------------------------------------------------------------

/** CPython's BaseTestHandler: every handler that should not run throws; handle_error re-raises. */
class BaseTestHandler extends asyncore.dispatcher {
  flag = false;
  override handle_accept(): void {
    throw new Error("handle_accept not supposed to be called");
  }
  override handle_accepted(_sock: socket.socket, _addr: socket.Address): void {
    throw new Error("handle_accepted not supposed to be called");
  }
  override handle_connect(): void {
    throw new Error("handle_connect not supposed to be called");
  }
  override handle_expt(): void {
    throw new Error("handle_expt not supposed to be called");
  }
  override handle_close(): void {
    throw new Error("handle_close not supposed to be called");
  }
  override handle_error(err: unknown = asyncore.current_error()): void {
    throw err;
  }
}

type HandlerClass = new (sock: socket.socket) => asyncore.dispatcher;

class BaseServer extends asyncore.dispatcher {
  constructor(
    family: number,
    addr: socket.Address,
    readonly handler: HandlerClass = BaseTestHandler,
  ) {
    super();
    this.create_socket(family);
    this.set_reuse_addr();
    this.bind(addr);
    this.listen(5);
  }
  get address(): socket.Address {
    return (this.socket as socket.socket).getsockname();
  }
  override handle_accepted(sock: socket.socket): void {
    new this.handler(sock);
  }
  override handle_error(err: unknown = asyncore.current_error()): void {
    throw err;
  }
}

class BaseClient extends BaseTestHandler {
  constructor(family: number, address: socket.Address) {
    super();
    this.create_socket(family);
    this.connect(address);
  }
  override handle_connect(): void {}
}

/** A listening BaseTestHandler that knows its address (no SO_REUSEADDR, unlike BaseServer): the accept tests' listener. */
class BaseListener extends BaseTestHandler {
  address: socket.Address;
  constructor(family: number, addr: socket.Address) {
    super();
    this.create_socket(family);
    this.bind(addr);
    this.listen(5);
    this.address = (this.socket as socket.socket).getsockname();
  }
}

/** A Node server on the case's family that collects what each connection sends. */
async function node_capture_server(c: LoopCase): Promise<{ server: Server; address: socket.Address; got: Promise<Buffer> }> {
  let resolve_got!: (b: Buffer) => void;
  const got = new Promise<Buffer>((r) => (resolve_got = r));
  const server = createServer((conn: NodeSocket) => {
    const chunks: Buffer[] = [];
    conn.on("error", () => undefined);
    conn.on("data", (d: Buffer) => {
      chunks.push(d);
      if (d.includes(0x0a)) {
        resolve_got(Buffer.concat(chunks));
        conn.end();
      }
    });
  });
  const addr = c.addr();
  await new Promise<void>((r) => {
    if (typeof addr === "string") server.listen(addr, r);
    else server.listen(0, addr[0], r);
  });
  const a = server.address();
  const address: socket.Address = typeof addr === "string" ? addr : [c.host, (a as { port: number }).port];
  return { server, address, got };
}

// ---- the suite ------------------------------------------------------------------------------------

function suite(c: LoopCase): void {
  const use_poll = c.use_poll;
  const wait_for = (inst: { flag: boolean }, what = "flag"): Promise<void> =>
    loop_until(() => inst.flag, { use_poll, what });
  /** CPython's client tests: a BaseServer (its connections handled by `handler`), a `Client` connecting to it, loop until the client's flag is set. */
  const client_until_flag = async (Client: new (family: number, address: socket.Address) => BaseClient, handler?: HandlerClass): Promise<void> => {
    const server = new BaseServer(c.family, c.addr(), handler);
    const client = new Client(c.family, server.address);
    await wait_for(client);
  };

  afterEach(() => {
    asyncore.close_all(null, true);
    cleanup_unix_paths();
  });

  describe("helper functions", () => {
    it("read/write/_exception let ExitNow through", () => {
      const tr1 = as_channel(new exitingdummy());
      expect(() => asyncore.read(tr1)).to.throw(asyncore.ExitNow);
      expect(() => asyncore.write(tr1)).to.throw(asyncore.ExitNow);
      expect(() => asyncore._exception(tr1)).to.throw(asyncore.ExitNow);
    });

    it("read/write/_exception route other errors to handle_error with the error", () => {
      for (const f of [asyncore.read, asyncore.write, asyncore._exception]) {
        const tr2 = new crashingdummy();
        f(as_channel(tr2));
        expect(tr2.error_handled).to.equal(true);
        expect(tr2.error).to.equal(tr2.thrown);
      }
    });

    it("readwrite calls exactly the handler each flag asks for", () => {
      const expected: Array<[number, string]> = [
        [select.POLLIN, "read"],
        [select.POLLPRI, "expt"],
        [select.POLLOUT, "write"],
        [select.POLLERR, "closed"],
        [select.POLLHUP, "closed"],
        [select.POLLNVAL, "closed"],
      ];
      const attrs = ["read", "expt", "write", "closed", "error_handled"] as const;
      for (const [flag, which] of expected) {
        const tobj = {
          read: false, write: false, closed: false, expt: false, error_handled: false,
          handle_read_event() { this.read = true; },
          handle_write_event() { this.write = true; },
          handle_close() { this.closed = true; },
          handle_expt_event() { this.expt = true; },
          handle_error() { this.error_handled = true; },
        };
        asyncore.readwrite(as_channel(tobj), flag);
        for (const a of attrs) expect(tobj[a], `${a} after flag ${flag}`).to.equal(a === which);

        expect(() => asyncore.readwrite(as_channel(new exitingdummy()), flag)).to.throw(asyncore.ExitNow);

        const tr2 = new crashingdummy();
        expect(tr2.error_handled).to.equal(false);
        asyncore.readwrite(as_channel(tr2), flag);
        expect(tr2.error_handled).to.equal(true);
        expect(tr2.error).to.equal(tr2.thrown);
      }
    });

    it("readwrite closes instead of handle_error for a disconnection errno", () => {
      const calls: string[] = [];
      const obj = {
        handle_read_event() { throw new OSError(104); /* ECONNRESET */ },
        handle_write_event() { calls.push("write"); },
        handle_expt_event() { calls.push("expt"); },
        handle_close() { calls.push("close"); },
        handle_error() { calls.push("error"); },
      };
      asyncore.readwrite(as_channel(obj), select.POLLIN);
      expect(calls).to.deep.equal(["close"]);
    });

    it("close_all closes every channel of a given map and empties it", () => {
      const testmap = new Map<number, asyncore.Channel>();
      const l: dummychannel[] = [];
      for (let i = 0; i < 10; i++) {
        const ch = new dummychannel();
        l.push(ch);
        expect(ch.socket.closed).to.equal(false);
        testmap.set(i, as_channel(ch));
      }
      asyncore.close_all(testmap);
      expect(testmap.size).to.equal(0);
      for (const ch of l) expect(ch.socket.closed).to.equal(true);
    });

    it("close_all() with no map closes every channel of socket_map", () => {
      const saved = [...asyncore.socket_map];
      asyncore.socket_map.clear();
      const l: dummychannel[] = [];
      try {
        for (let i = 0; i < 10; i++) {
          const ch = new dummychannel();
          l.push(ch);
          asyncore.socket_map.set(1_000_000 + i, as_channel(ch));
        }
        asyncore.close_all();
        expect(asyncore.socket_map.size).to.equal(0);
        for (const ch of l) expect(ch.socket.closed).to.equal(true);
      } finally {
        for (const [k, v] of saved) asyncore.socket_map.set(k, v);
      }
    });

    it("close_all skips EBADF, re-raises other errors unless ignore_all", () => {
      const bad = (no: number | null) => ({
        close() { throw no === null ? new Error("boom") : new OSError(no); },
      });
      const m1 = new Map([[1, as_channel(bad(9 /* EBADF */))]]);
      asyncore.close_all(m1);
      expect(m1.size).to.equal(0);
      const m2 = new Map([[1, as_channel(bad(null))]]);
      expect(() => asyncore.close_all(m2)).to.throw("boom");
      const m3 = new Map([[1, as_channel(bad(null))], [2, as_channel(bad(5))]]);
      asyncore.close_all(m3, true);
      expect(m3.size).to.equal(0);
      const m4 = new Map([[1, as_channel({ close() { throw new asyncore.ExitNow(); } })]]);
      expect(() => asyncore.close_all(m4, true)).to.throw(asyncore.ExitNow);
    });

    it("compact_traceback describes the error being handled, innermost frame last", () => {
      let r: asyncore.CompactTraceback | undefined;
      let real: Error | undefined;
      function test_compact_traceback(): void {
        try {
          throw new Error("I don't like spam!");
        } catch (e) {
          real = e as Error;
          r = asyncore.compact_traceback(e);
        }
      }
      test_compact_traceback();
      const [[f, fn, line], t, v, info] = r!;
      // The stack names the compiled file, or the TypeScript source when source maps are on.
      expect(f.split("/").pop()).to.match(/^test_asyncore\.test\.[jt]s$/);
      expect(fn).to.equal("test_compact_traceback");
      expect(Number(line)).to.be.greaterThan(0);
      expect(t).to.equal(Error);
      expect(v).to.equal(real);
      expect(info.endsWith(`[${f}|${fn}|${line}]`)).to.equal(true);
      expect(info).to.match(/^(\[[^|\]]+\|[^|\]]+\|\d+\] ?)+$/);
    });

    it("compact_traceback() without an error throws AssertionError outside a handler", () => {
      expect(() => asyncore.compact_traceback()).to.throw(/traceback does not exist/);
    });
  });

  describe("dispatcher basics", () => {
    it("a new dispatcher is readable and writable", () => {
      const d = new asyncore.dispatcher();
      expect(d.readable()).to.equal(true);
      expect(d.writable()).to.equal(true);
    });

    it("a new dispatcher has Python's attribute defaults and is in no map until it has a socket", () => {
      const d = new asyncore.dispatcher();
      expect([d.debug, d.connected, d.accepting, d.connecting, d.closing]).to.deep.equal([false, false, false, false, false]);
      expect(d.addr).to.equal(null);
      expect(d.socket).to.equal(null);
      expect(d._fileno).to.equal(null);
      expect(d._map).to.equal(asyncore.socket_map);
      expect([...asyncore.socket_map.values()]).to.not.include(d);
      expect([...d.ignore_log_types]).to.deep.equal(["warning"]);
    });

    it("dispatcher(sock, map) over a connected socket is connected, knows its peer, and joins that map", async () => {
      const map: asyncore.SocketMap = new Map();
      const l = new socket.socket(c.family);
      l.bind(c.addr());
      l.listen(5);
      const cl = new socket.socket(c.family);
      cl.connect_ex(l.getsockname());
      const listener = new asyncore.dispatcher(l, map);
      expect(listener.connected).to.equal(false); // getpeername: ENOTCONN
      let accepted: [socket.socket, socket.Address] | null = null;
      class Acceptor extends asyncore.dispatcher {
        override handle_accept(): void {
          accepted = this.accept();
        }
      }
      listener.close();
      const l2 = new socket.socket(c.family);
      l2.bind(c.addr());
      l2.listen(5);
      const acc = new Acceptor(l2, map);
      acc.accepting = true;
      const cl2 = new socket.socket(c.family);
      cl2.connect_ex(l2.getsockname());
      await loop_until(() => accepted !== null, { use_poll, map, what: "accepted" });
      const [sock, addr] = accepted!;
      const d = new asyncore.dispatcher(sock, map);
      try {
        expect(d.connected).to.equal(true);
        expect(d.addr).to.deep.equal(sock.getpeername());
        if (c.family !== socket.AF_UNIX) expect(d.addr).to.deep.equal(addr);
        expect(map.get(sock.fileno())).to.equal(d);
        expect(asyncore.socket_map.has(sock.fileno())).to.equal(false);
        expect(String(d)).to.match(/^<dispatcher connected .* at 0x[0-9a-f]+>$/);
      } finally {
        asyncore.close_all(map);
        cl.close();
        cl2.close();
      }
    });

    it("dispatcher_with_send logs what it sends when debug is on", () => {
      const d = new asyncore.dispatcher_with_send();
      d.create_socket(c.family);
      d.debug = true;
      const out = capture_output(() => {
        d.send(Buffer.from("spam"));
        d.send(Buffer.from("it's\r\n\x00\\"));
      });
      expect(out.stdout).to.deep.equal(["info: sending b'spam'", `info: sending b"it's\\r\\n\\x00\\\\"`]);
      expect(d.out_buffer.toString()).to.equal("spamit's\r\n\x00\\"); // not connected yet: queued
    });

    it("repr is <class at 0x…>, stable per object, distinct between objects", () => {
      const d = new asyncore.dispatcher();
      const d2 = new asyncore.dispatcher();
      expect(String(d)).to.match(/^<dispatcher at 0x[0-9a-f]+>$/);
      expect(String(d)).to.equal(String(d));
      expect(String(d)).to.not.equal(String(d2));
      class MyHandler extends asyncore.dispatcher {}
      expect(String(new MyHandler())).to.match(/^<MyHandler at 0x[0-9a-f]+>$/);
    });

    it("repr shows listening and the address of a listening dispatcher", () => {
      const server = new BaseServer(c.family, c.addr());
      const a = server.addr;
      const shown = typeof a === "string" ? `'${a}'` : a!.length === 2 ? `${a![0]}:${a![1]}` : `('${a![0]}', ${a!.slice(1).join(", ")})`;
      expect(String(server)).to.match(/^<BaseServer listening .* at 0x[0-9a-f]+>$/);
      expect(String(server)).to.contain(shown);
    });

    it("log writes 'log: <message>' lines to stderr", () => {
      const d = new asyncore.dispatcher();
      const l1 = "Lovely spam! Wonderful spam!";
      const l2 = "I don't like spam!";
      const out = capture_output(() => {
        d.log(l1);
        d.log(l2);
      });
      expect(out.stderr).to.deep.equal([`log: ${l1}`, `log: ${l2}`]);
      expect(out.stdout).to.deep.equal([]);
    });

    it("log_info prints '<type>: <message>' to stdout, type info by default", () => {
      const d = new asyncore.dispatcher();
      const l1 = "Have you got anything without spam?";
      const l2 = "Why can't she have egg bacon spam and sausage?";
      const l3 = "THAT'S got spam in it!";
      const out = capture_output(() => {
        d.log_info(l1, "EGGS");
        d.log_info(l2);
        d.log_info(l3, "SPAM");
      });
      expect(out.stdout).to.deep.equal([`EGGS: ${l1}`, `info: ${l2}`, `SPAM: ${l3}`]);
    });

    it("log_info drops warnings by default (ignore_log_types), also when a subclass overrides it", () => {
      const d = new asyncore.dispatcher();
      class Quiet extends asyncore.dispatcher {
        override ignore_log_types: ReadonlySet<string> = new Set(["warning", "info"]);
      }
      const q = new Quiet();
      const out = capture_output(() => {
        d.log_info("dropped", "warning");
        d.log_info("kept", "error");
        q.log_info("dropped too");
        q.log_info("kept too", "error");
      });
      expect(out.stdout).to.deep.equal(["error: kept", "error: kept too"]);
    });

    it("the default handlers warn 'unhandled … event'", () => {
      const d = new asyncore.dispatcher();
      d.ignore_log_types = new Set();
      const out = capture_output(() => {
        d.handle_expt();
        d.handle_read();
        d.handle_write();
        d.handle_connect();
      });
      expect(out.stdout).to.deep.equal([
        "warning: unhandled incoming priority event",
        "warning: unhandled read event",
        "warning: unhandled write event",
        "warning: unhandled connect event",
      ]);
    });

    it("the default handle_accepted closes the socket and warns; handle_close warns and closes", () => {
      const d = new asyncore.dispatcher();
      d.create_socket(c.family);
      d.ignore_log_types = new Set();
      const s = new socket.socket(c.family);
      const fd = d._fileno!;
      expect(asyncore.socket_map.get(fd)).to.equal(d);
      const out = capture_output(() => {
        d.handle_accepted(s, c.family === socket.AF_UNIX ? "" : [c.host, 1]);
        d.handle_close();
      });
      expect(out.stdout).to.deep.equal(["warning: unhandled accepted event", "warning: unhandled close event"]);
      expect(s.fileno()).to.equal(-1);
      expect(asyncore.socket_map.has(fd)).to.equal(false);
    });

    it("the default handle_error logs the error with the channel's repr and closes it", () => {
      const d = new asyncore.dispatcher();
      d.create_socket(c.family);
      const fd = d._fileno!;
      const boom = new ZeroDivisionError("float division by zero");
      const out = capture_output(() => asyncore.write(as_channel({
        handle_write_event() { throw boom; },
        handle_error: (e?: unknown) => d.handle_error(e),
      })));
      expect(out.stdout).to.have.length(1);
      expect(out.stdout[0]).to.match(
        /^error: uncaptured python exception, closing channel <dispatcher at 0x[0-9a-f]+> \(<class 'ZeroDivisionError'>:float division by zero \[.*\]\)$/,
      );
      expect(asyncore.socket_map.has(fd)).to.equal(false);
    });

    it("handle_error() with no argument uses the error being handled", () => {
      const seen: unknown[] = [];
      class D extends asyncore.dispatcher {
        override handle_write_event(): void {
          throw new ZeroDivisionError("x");
        }
        override handle_error(): void {
          seen.push(asyncore.current_error());
          seen.push(asyncore.compact_traceback()[1]);
        }
      }
      asyncore.write(new D());
      expect(seen[0]).to.be.instanceOf(ZeroDivisionError);
      expect(seen[1]).to.equal(ZeroDivisionError);
    });
  });

  describe("dispatcher_with_send", () => {
    it("sends everything queued to a peer, in order, through the loop", async () => {
      const { server, address, got } = await node_capture_server(c);
      try {
        class dispatcherwithsend_noread extends asyncore.dispatcher_with_send {
          override readable(): boolean {
            return false;
          }
          override handle_connect(): void {}
        }
        const data = Buffer.from("Suppose there isn't a 16-ton weight?");
        const d = new dispatcherwithsend_noread();
        d.create_socket(c.family);
        d.connect(address);
        d.send(data);
        d.send(data);
        d.send(Buffer.from("\n"));
        const poll_fun = use_poll ? asyncore.poll2 : asyncore.poll;
        const deadline = performance.now() + 5000;
        while (d.out_buffer.length && performance.now() < deadline) await poll_fun(0.05);
        expect(d.out_buffer.length).to.equal(0);
        const all = await within(got, 5000, "peer got the data");
        expect(all.toString()).to.equal(data.toString() + data.toString() + "\n");
      } finally {
        asyncore.close_all(); // server.close() waits for its connections to end
        await new Promise((r) => server.close(r));
      }
    });
  });

  describe("file_wrapper and file_dispatcher over a file", () => {
    const d = Buffer.from("It's not dead, it's sleeping!");
    let dir: string;
    let path: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "asyncore-ts-fw-"));
      path = join(dir, "data");
      writeFileSync(path, d);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("recv/read read the file through a copy of the fd; read after close fails", () => {
      const fd = openSync(path, "r");
      const w = new asyncore.file_wrapper(fd);
      closeSync(fd);
      expect(w.fileno()).to.equal(w.fd);
      expect(w.recv(13).toString()).to.equal("It's not dead");
      expect(w.read(6).toString()).to.equal(", it's");
      w.close();
      expect(() => w.read(1)).to.throw(OSError);
    });

    it("send/write append to a file opened for appending", () => {
      const d1 = Buffer.from("Come again?");
      const d2 = Buffer.from("I want to buy some cheese.");
      const fd = openSync(path, fsc.O_WRONLY | fsc.O_APPEND);
      const w = new asyncore.file_wrapper(fd);
      closeSync(fd);
      w.write(d1);
      w.send(d2);
      w.close();
      expect(readFileSync(path).toString()).to.equal(d.toString() + d1.toString() + d2.toString());
    });

    it("file_dispatcher reads the whole file in the loop, then sees end of file", async () => {
      const fd = openSync(path, "r");
      const data: Buffer[] = [];
      class FileDispatcher extends asyncore.file_dispatcher {
        override handle_read(): void {
          data.push(this.recv(29));
        }
      }
      const f = new FileDispatcher(fd);
      const vfd = f._fileno!;
      closeSync(fd);
      expect(asyncore.socket_map.get(vfd)).to.equal(f);
      await asyncore.loop({ timeout: 0.01, use_poll, count: 2 });
      expect(Buffer.concat(data).toString()).to.equal(d.toString());
      // The second read saw end of file: handle_close closed the channel.
      expect(asyncore.socket_map.has(vfd)).to.equal(false);
    });

    it("close twice does not fail and leaves fd -1", () => {
      const fd = openSync(path, "r");
      const f = new asyncore.file_wrapper(fd);
      closeSync(fd);
      f.close();
      expect(f.fd).to.equal(-1);
      f.close();
      expect(f.fd).to.equal(-1);
    });

    it("getsockopt answers SO_ERROR with 0 and nothing else", () => {
      const fd = openSync(path, "r");
      const f = new asyncore.file_wrapper(fd);
      closeSync(fd);
      try {
        expect(f.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)).to.equal(0);
        expect(() => f.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)).to.throw(asyncore.NotImplementedError);
      } finally {
        f.close();
      }
    });
  });

  describe("file_dispatcher over pipes and Node streams", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "asyncore-ts-fifo-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("over a pipe fd: reads what a child process wrote to it, then end of file closes it", async () => {
      const fifo = join(dir, "fifo");
      execFileSync("mkfifo", [fifo]);
      const r = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
      const w = openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK);
      const got: Buffer[] = [];
      let closed = false;
      class Reader extends asyncore.file_dispatcher {
        override writable(): boolean {
          return false;
        }
        override handle_read(): void {
          const data = this.recv(1024);
          if (data.length) got.push(data);
        }
        override handle_close(): void {
          closed = true;
          this.close();
        }
      }
      const reader = new Reader(r);
      closeSync(r); // the dispatcher keeps its own copy, as Python's dup()
      const child = spawn("printf", ["hello from child"], { stdio: ["ignore", w, "ignore"] });
      closeSync(w); // the child now holds the only write end
      await loop_until(() => closed, { use_poll, what: "end of file" });
      expect(Buffer.concat(got).toString()).to.equal("hello from child");
      expect(asyncore.socket_map.has(reader._fileno ?? -1)).to.equal(false);
      await within(new Promise((res) => (child.exitCode !== null ? res(null) : child.on("exit", res))), 5000, "child exit");
    });

    it("over a write-only pipe fd: what handle_write sends reaches the reader", async () => {
      const fifo = join(dir, "fifo");
      execFileSync("mkfifo", [fifo]);
      const r = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
      const w = openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK);
      let out = Buffer.from("spam and eggs");
      class Writer extends asyncore.file_dispatcher {
        override readable(): boolean {
          return false;
        }
        override writable(): boolean {
          return out.length > 0;
        }
        override handle_write(): void {
          out = out.subarray(this.send(out));
          if (!out.length) this.close();
        }
      }
      new Writer(w);
      closeSync(w);
      await loop_until(() => asyncore.socket_map.size === 0, { use_poll, what: "writer done" });
      // The writer's copy is closed: the pipe has the data and then end of file.
      const chunks: Buffer[] = [];
      const rs = createReadStream("", { fd: r });
      for await (const ch of rs) chunks.push(ch as Buffer);
      expect(Buffer.concat(chunks).toString()).to.equal("spam and eggs");
    });

    it("over a child's stdio streams: data sent to cat comes back, in order", async () => {
      const child = spawn("cat", [], { stdio: ["pipe", "pipe", "ignore"] });
      const payload = Buffer.alloc(200_000);
      for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
      let out = payload;
      const got: Buffer[] = [];
      let n = 0;
      class Cat extends asyncore.file_dispatcher {
        override writable(): boolean {
          return out.length > 0;
        }
        override handle_write(): void {
          out = out.subarray(this.send(out));
        }
        override handle_read(): void {
          const data = this.recv(8192);
          got.push(data);
          n += data.length;
        }
      }
      const cat = new Cat({ readable: child.stdout!, writable: child.stdin! });
      try {
        await loop_until(() => n >= payload.length, { use_poll, what: "echo back", ms: 10000 });
        expect(Buffer.concat(got)).to.deep.equal(payload);
      } finally {
        cat.close();
        child.kill();
      }
    });
  });

  describe("API over sockets", () => {
    it("handle_connect is called on connect()", async () => {
      class TestClient extends BaseClient {
        override handle_connect(): void {
          this.flag = true;
        }
      }
      await client_until_flag(TestClient);
    });

    it("handle_accept is called when a client connects", async () => {
      class TestListener extends BaseListener {
        override handle_accept(): void {
          this.flag = true;
        }
      }
      const server = new TestListener(c.family, c.addr());
      new BaseClient(c.family, server.address);
      await wait_for(server);
    });

    it("handle_accepted gets the accepted socket and address", async () => {
      let peer: socket.Address | undefined;
      class TestListener extends BaseListener {
        override handle_accept(): void {
          asyncore.dispatcher.prototype.handle_accept.call(this);
        }
        override handle_accepted(sock: socket.socket, addr: socket.Address): void {
          expect(sock).to.be.instanceOf(socket.socket);
          peer = addr;
          sock.close();
          this.flag = true;
        }
      }
      const server = new TestListener(c.family, c.addr());
      const client = new BaseClient(c.family, server.address);
      await wait_for(server);
      if (c.family !== socket.AF_UNIX) {
        expect((peer as readonly unknown[])[0]).to.equal(c.host);
        expect((peer as readonly unknown[])[1]).to.equal(((client.socket as socket.socket).getsockname() as readonly unknown[])[1]);
      }
    });

    it("handle_read is called when data arrives", async () => {
      class TestClient extends BaseClient {
        override handle_read(): void {
          this.flag = true;
        }
      }
      class TestHandler extends BaseTestHandler {
        constructor(conn: socket.socket) {
          super(conn);
          this.send(Buffer.alloc(1024, "x"));
        }
      }
      await client_until_flag(TestClient, TestHandler);
    });

    it("handle_write is called when the socket can be written", async () => {
      class TestClient extends BaseClient {
        override handle_write(): void {
          this.flag = true;
        }
      }
      await client_until_flag(TestClient);
    });

    it("handle_close is called when the other end closes", async () => {
      class TestClient extends BaseClient {
        override handle_read(): void {
          this.recv(1024);
        }
        override handle_close(): void {
          this.flag = true;
          this.close();
        }
      }
      class TestHandler extends BaseTestHandler {
        constructor(conn: socket.socket) {
          super(conn);
          this.close();
        }
      }
      await client_until_flag(TestClient, TestHandler);
    });

    it("handle_close is called when sending to a peer that closed (ECONNRESET/EPIPE)", async () => {
      const data = Buffer.alloc(128);
      class TestClient extends BaseClient {
        override handle_write(): void {
          this.send(data);
        }
        override handle_close(): void {
          this.flag = true;
          this.close();
        }
        override handle_expt(): void {
          this.flag = true;
          this.close();
        }
      }
      class TestHandler extends BaseTestHandler {
        override handle_read(): void {
          this.recv(data.length);
          this.close();
        }
        override writable(): boolean {
          return false;
        }
      }
      await client_until_flag(TestClient, TestHandler);
    });

    it("handle_error gets the error a handler threw, also as the error being handled", async () => {
      let passed: unknown;
      let current: unknown;
      class TestClient extends BaseClient {
        override handle_write(): void {
          throw new ZeroDivisionError("float division by zero");
        }
        override handle_error(err?: unknown): void {
          this.flag = true;
          passed = err;
          current = asyncore.current_error();
          if (!(current instanceof ZeroDivisionError)) throw new Error("exception not raised");
        }
      }
      await client_until_flag(TestClient);
      expect(passed).to.be.instanceOf(ZeroDivisionError);
      expect(current).to.equal(passed);
    });

    it("a client that closes itself in handle_connect gets no handle_read/handle_write for that event", async () => {
      const calls: string[] = [];
      class TestClient extends BaseClient {
        override handle_connect(): void {
          calls.push("connect");
          this.close();
          this.flag = true;
        }
        override handle_read(): void {
          calls.push("read");
        }
        override handle_write(): void {
          calls.push("write");
        }
      }
      await client_until_flag(TestClient);
      await asyncore.loop({ timeout: 0.01, use_poll, count: 2 });
      expect(calls).to.deep.equal(["connect"]);
    });

    it("a refused connect reaches handle_error as OSError ECONNREFUSED (or ENOENT)", async () => {
      // A port/path that was bound and released: nothing listens there any more.
      const probe = new socket.socket(c.family);
      probe.bind(c.addr());
      probe.listen(1);
      const dead = probe.getsockname();
      probe.close();
      let error: unknown;
      class TestClient extends BaseClient {
        override handle_error(err?: unknown): void {
          error = err;
          this.flag = true;
          this.close();
        }
      }
      let client: TestClient | undefined;
      try {
        client = new TestClient(c.family, dead);
      } catch (e) {
        error = e; // AF_UNIX: connect to a missing path may fail at once
      }
      if (client && !client.flag) await wait_for(client);
      expect(error).to.be.instanceOf(OSError);
      expect(["ECONNREFUSED", "ENOENT"]).to.include((error as OSError).code);
    });

    it("connection attributes: connected, accepting through connect and close", async () => {
      const server = new BaseServer(c.family, c.addr());
      const client = new BaseClient(c.family, server.address);
      expect(server.connected).to.equal(false);
      expect(server.accepting).to.equal(true);
      expect(client.accepting).to.equal(false);

      await loop_until(() => client.connected, { use_poll, what: "client.connected" });
      await asyncore.loop({ timeout: 0.01, use_poll, count: 5 });
      expect(server.connected).to.equal(false);
      expect(server.accepting).to.equal(true);
      expect(client.connected).to.equal(true);
      expect(client.accepting).to.equal(false);

      client.close();
      expect(server.connected).to.equal(false);
      expect(server.accepting).to.equal(true);
      expect(client.connected).to.equal(false);
      expect(client.accepting).to.equal(false);

      server.close();
      expect(server.connected).to.equal(false);
      expect(server.accepting).to.equal(false);
    });

    it("create_socket makes a non-blocking stream socket of the family and maps it", () => {
      const s = new asyncore.dispatcher();
      s.create_socket(c.family);
      const sock = s.socket as socket.socket;
      expect(sock.type).to.equal(socket.SOCK_STREAM);
      expect(sock.family).to.equal(c.family);
      expect(sock.gettimeout()).to.equal(0);
      expect(s._fileno).to.equal(sock.fileno());
      expect(asyncore.socket_map.get(sock.fileno())).to.equal(s);
    });

    it("bind: a second bind to the same address fails with EADDRINUSE", function () {
      if (c.family === socket.AF_UNIX) {
        const s1 = new asyncore.dispatcher();
        s1.create_socket(c.family);
        const p = c.addr();
        s1.bind(p);
        s1.listen(5);
        const s2 = new asyncore.dispatcher();
        s2.create_socket(c.family);
        expect(() => s2.bind(p)).to.throw(OSError).with.property("errno", EADDRINUSE);
        return;
      }
      const s1 = new asyncore.dispatcher();
      s1.create_socket(c.family);
      s1.bind(c.addr());
      s1.listen(5);
      const port = ((s1.socket as socket.socket).getsockname() as readonly unknown[])[1] as number;
      const s2 = new asyncore.dispatcher();
      s2.create_socket(c.family);
      expect(() => s2.bind([c.host, port])).to.throw(OSError).with.property("errno", EADDRINUSE);
    });

    it("set_reuse_addr turns SO_REUSEADDR on", function () {
      if (c.family === socket.AF_UNIX) this.skip(); // not applicable to AF_UNIX, as in CPython
      const s = new asyncore.dispatcher(new socket.socket(c.family));
      const get = (): number => (s.socket as socket.socket).getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) as number;
      expect(get()).to.equal(0);
      (s.socket as socket.socket).close();
      s.create_socket(c.family);
      s.set_reuse_addr();
      expect(get()).to.not.equal(0);
    });

    it("quick connect: a client that resets at once does not break the server", async function () {
      if (c.family === socket.AF_UNIX) this.skip(); // specific to AF_INET/AF_INET6, as in CPython
      const events: string[] = [];
      class Handler extends asyncore.dispatcher {
        override handle_read(): void {
          this.recv(1024);
        }
        override handle_write(): void {}
        override handle_close(): void {
          events.push("close");
          this.close();
        }
        override handle_error(err?: unknown): void {
          events.push(`error ${String(err)}`);
          this.close();
        }
      }
      let accepted = 0;
      class Server extends BaseServer {
        override handle_accepted(sock: socket.socket): void {
          accepted++;
          new Handler(sock);
        }
      }
      const server = new Server(c.family, c.addr());
      const rst = new socket.socket(c.family);
      const linger = Buffer.alloc(8);
      linger.writeInt32LE(1, 0);
      linger.writeInt32LE(0, 4);
      rst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger);
      expect(rst.connect_ex(server.address)).to.equal(115 /* EINPROGRESS */);
      // Close the moment the connection is made: a reset instead of a FIN.
      const p = new select.poll();
      p.register(rst, select.POLLOUT);
      const running = asyncore.loop({ timeout: 0.05, use_poll, count: 10 });
      await within(p.poll(2000), 3000, "client connected");
      rst.close();
      await running;
      // The server is still listening and serves the next client.
      expect(asyncore.socket_map.get(server._fileno!)).to.equal(server);
      expect(server.accepting).to.equal(true);
      const before = accepted;
      const ok = new BaseClient(c.family, server.address);
      await loop_until(() => accepted > before, { use_poll, what: "second client accepted" });
      expect(ok.connected || ok.connecting).to.equal(true);
      expect(events.filter((e) => e.startsWith("error"))).to.deep.equal([]);
    });
  });
}

for (const c of LOOP_CASES) describe(`asyncore (${c.label})`, () => suite(c));
