// examples/echo_server: the documentation's echo server against plain Node net clients.
import * as net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { EchoHandler, EchoServer } from "../../examples/echo_server.js";
import sinon from "sinon";
import { drive, loop_until, once_looped, within } from "../helpers/asyncore.js";
import { Child } from "../helpers/clients.js";
import { alive, free_port, pids_printed, retry_refused } from "../helpers/workers.js";

/** Connect, send `data` (then FIN), and collect what comes back until the server closes. */
function exchange(port: number, data: Buffer): Promise<Buffer> {
  return within(
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const c = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
      c.on("error", reject);
      c.on("data", (d: Buffer) => chunks.push(d));
      c.on("end", () => {
        c.end();
        resolve(Buffer.concat(chunks));
      });
      c.on("connect", () => c.end(data));
    }),
    10000,
    "echo exchange",
  );
}

describe("examples/echo_server", () => {
  const map: asyncore.SocketMap = new Map();
  const sandbox = sinon.createSandbox();
  let stop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    sandbox.restore();
    asyncore.close_all(map, true);
    if (stop) await stop();
    stop = null;
  });

  for (const use_poll of [false, true]) {
    it(`${use_poll ? "poll" : "select"}: echoes what several clients send, byte for byte, and closes each at end of stream`, async () => {
      const server = new EchoServer("127.0.0.1", 0, map);
      const port = ((server.socket as socket.socket).getsockname() as readonly unknown[])[1] as number;
      stop = drive(map, use_poll);
      const payloads = [Buffer.from("hello\n"), Buffer.alloc(300_000), Buffer.from("x")];
      for (let i = 0; i < payloads[1]!.length; i++) payloads[1]![i] = (i * 7) % 256;
      const results = await Promise.all(payloads.map((p) => exchange(port, p)));
      results.forEach((r, i) => expect(r, `payload ${i}`).to.deep.equal(payloads[i]));
      // Only the listener is left: each handler closed when its client's FIN came.
      await once_looped(map, () => map.size === 1, 5000, "the handlers to close");
      expect([...map.values()]).to.deep.equal([server]);
    });
  }

  it("EchoServer binds, reuses the address and listens; handle_accepted prints the peer and wraps the socket in an EchoHandler", async () => {
    const server = new EchoServer("127.0.0.1", 0, map);
    const s = server.socket as socket.socket;
    expect(server.accepting).to.equal(true);
    expect(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)).to.not.equal(0);
    const port = (s.getsockname() as readonly unknown[])[1] as number;
    const client = net.connect({ host: "127.0.0.1", port });
    client.on("error", () => undefined);
    const log = sandbox.stub(console, "log");
    let local_port: number | undefined;
    try {
      await within(new Promise((r) => client.on("connect", r)), 5000, "connect");
      local_port = client.localPort;
      await loop_until(() => map.size === 2, { use_poll: false, map, what: "accepted" });
    } finally {
      client.destroy();
    }
    const handlers = [...map.values()].filter((d) => d instanceof EchoHandler);
    expect(handlers.length).to.equal(1);
    expect(log.args.map((a) => a.join(" "))).to.deep.equal([`Incoming connection from 127.0.0.1:${local_port}`]);
  });
});

describe("examples/echo_server run with --workers 2", function () {
  this.timeout(20000);
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "echo_server.js");
  let child: Child | null = null;
  afterEach(async () => {
    child?.kill();
    await child?.done;
    child = null;
  });

  it("two worker processes echo on the one port; SIGTERM to the primary stops them all (exit 0)", async () => {
    const port = await free_port();
    child = new Child(process.execPath, [script, "--workers", "2", String(port)]);
    const pids = await pids_printed(child, new RegExp(`^echo server on 127\\.0\\.0\\.1:${port} \\(pid (\\d+)\\)$`, "gm"), 2);
    expect(new Set(pids).size).to.equal(2);
    expect(pids).to.not.include(child.proc.pid);
    const echoed = await retry_refused(() => exchange(port, Buffer.from("hello\n")));
    expect(echoed.toString()).to.equal("hello\n");
    child.proc.kill("SIGTERM");
    const r = await child.done;
    expect([r.code, r.signal]).to.deep.equal([0, null]);
    expect(pids.filter(alive)).to.deep.equal([]);
  });
});
