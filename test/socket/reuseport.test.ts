// SO_REUSEPORT: several listening sockets, in one process or several, on one address and port (Node 22.12+; ENOPROTOOPT before).
import type * as net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { EADDRINUSE, ENOPROTOOPT } from "../../src/errno/index.js";
import { select } from "../../src/select/index.js";
import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEPORT, socket } from "../../src/socket/index.js";
import { reuseport_supported } from "../../src/socket/sharing.js";
import { drive } from "../helpers/asyncore.js";
import { Child } from "../helpers/clients.js";
import { connect_client, thrown } from "../helpers/net.js";
import { PidServer } from "../helpers/pid_server.js";
import { free_port, pids_until } from "../helpers/workers.js";

const PID_SERVER = join(dirname(fileURLToPath(import.meta.url)), "..", "helpers", "pid_server.js");

/** Where SO_REUSEPORT cannot be set, a test of sharing has nothing to test: the ENOPROTOOPT test stands in. */
function needs_reuseport(ctx: Mocha.Context): void {
  if (!reuseport_supported()) ctx.skip();
}

describe("SO_REUSEPORT: setsockopt", () => {
  const open: socket[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  it("on a Node before 22.12, setsockopt(SOL_SOCKET, SO_REUSEPORT, 1) raises OSError errno 92 (ENOPROTOOPT) naming Node 22.12; the option stays 0", function () {
    if (reuseport_supported()) this.skip(); // there it is set: the next test
    const s = new socket(AF_INET, SOCK_STREAM);
    open.push(s);
    const e = thrown(() => s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1));
    expect(e.errno).to.equal(92);
    expect(e.errno).to.equal(ENOPROTOOPT);
    expect(e.message).to.contain("22.12");
    expect(e.message).to.contain(process.versions.node);
    expect(s.getsockopt(SOL_SOCKET, SO_REUSEPORT)).to.equal(0);
  });

  it("where Node has reusePort (22.12+), it is set and reads back as 1", function () {
    needs_reuseport(this);
    const s = new socket(AF_INET, SOCK_STREAM);
    open.push(s);
    s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    expect(s.getsockopt(SOL_SOCKET, SO_REUSEPORT)).to.equal(1);
  });

  it("setting it to 0 (off) is accepted on every Node", () => {
    const s = new socket(AF_INET, SOCK_STREAM);
    open.push(s);
    s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 0);
    expect(s.getsockopt(SOL_SOCKET, SO_REUSEPORT)).to.equal(0);
  });
});

describe("SO_REUSEPORT: two sockets of one process on one port", () => {
  const open: socket[] = [];
  const clients: net.Socket[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of open.splice(0)) s.close();
  });

  function listener(port: number, reuseport: boolean): socket {
    const s = new socket(AF_INET, SOCK_STREAM);
    open.push(s);
    if (reuseport) s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    s.bind(["127.0.0.1", port]);
    return s;
  }

  it("both bind 127.0.0.1 and the same port, both listen, and connections reach both", async function () {
    needs_reuseport(this);
    const a = listener(0, true);
    const port = (a.getsockname() as [string, number])[1];
    const b = listener(port, true);
    expect(b.getsockname()).to.deep.equal(["127.0.0.1", port]);
    a.listen(16);
    b.listen(16);
    const accepted = new Map<socket, number>([[a, 0], [b, 0]]);
    for (let i = 0; i < 20 && [...accepted.values()].some((n) => n === 0); i++) {
      clients.push(await connect_client({ host: "127.0.0.1", port }));
      const [ready] = await select([a, b], [], [], 5);
      expect(ready, "a listener became readable").to.not.deep.equal([]);
      for (const s of ready as socket[]) {
        const [conn] = s.accept();
        open.push(conn);
        accepted.set(s, accepted.get(s)! + 1);
      }
    }
    expect([...accepted.values()].every((n) => n > 0), `accepted per socket: ${[...accepted.values()]}`).to.equal(true);
  });

  it("if only one of them sets it, the second bind fails with EADDRINUSE, as on Linux", function () {
    needs_reuseport(this);
    const a = listener(0, true);
    const port = (a.getsockname() as [string, number])[1];
    expect(thrown(() => listener(port, false)).errno).to.equal(EADDRINUSE);
    const c = listener(0, false);
    const port2 = (c.getsockname() as [string, number])[1];
    expect(thrown(() => listener(port2, true)).errno).to.equal(EADDRINUSE);
  });
});

describe("SO_REUSEPORT: sockets of two processes on one port", function () {
  this.timeout(20000);
  let child: Child | null = null;
  const map: asyncore.SocketMap = new Map();
  let stop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    asyncore.close_all(map, true);
    await stop?.();
    stop = null;
    child?.kill();
    await child?.done;
    child = null;
  });

  /** Another process (test/helpers/pid_server.ts) listening on 127.0.0.1:`port` with SO_REUSEPORT set. */
  async function other_process(port: number): Promise<number> {
    child = new Child(process.execPath, [PID_SERVER, String(port), "--reuseport"]);
    const out = await child.wait_stdout((s) => /^worker 0 pid \d+$/m.test(s), 10000, "the other process serving");
    return Number(/^worker 0 pid (\d+)$/m.exec(out)![1]);
  }

  it("this process binds the port the other holds, both with SO_REUSEPORT, and the kernel gives connections to both", async function () {
    needs_reuseport(this);
    const port = await free_port();
    const other = await other_process(port);
    new PidServer(port, true, map);
    stop = drive(map, true);
    const seen = new Set(await pids_until(port, 2, 10000));
    expect([...seen].sort()).to.deep.equal([other, process.pid].sort());
  });

  it("without SO_REUSEPORT this process cannot bind it: EADDRINUSE", async function () {
    needs_reuseport(this);
    const port = await free_port();
    await other_process(port);
    const s = new socket(AF_INET, SOCK_STREAM);
    try {
      expect(thrown(() => s.bind(["127.0.0.1", port])).errno).to.equal(EADDRINUSE);
    } finally {
      s.close();
    }
  });
});
