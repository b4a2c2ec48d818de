// PORTING.md, "Order of readiness across sockets": what one iteration dispatches when a
// connection completed on a listener before a line arrived on another channel, and both are
// ready when the iteration runs. CPython dispatches in the map's order, not in arrival order:
// a listener created before the channel is handled first, one created after it (as a PASV
// handler creates its listener) after it. The port does the same; test/porting/readiness_order.py
// is the same program run by CPython.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { python3_or_skip } from "../helpers/python.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function run(listener_first: boolean): Promise<string[]> {
  const events: string[] = [];
  const m: asyncore.SocketMap = new Map();
  class Chan extends asyncore.dispatcher {
    override handle_read(): void {
      if (this.recv(100).length) events.push("line");
    }
    override writable(): boolean {
      return false;
    }
  }
  class Listener extends asyncore.dispatcher {
    override handle_accepted(sock: socket.socket): void {
      events.push("accept");
      sock.close();
    }
    override writable(): boolean {
      return false;
    }
  }
  const [a, x] = await socket.socketpair();
  const make_listener = (): Listener => {
    const l = new Listener(socket.create_server(["127.0.0.1", 0]), m);
    l.accepting = true;
    return l;
  };
  let l: Listener;
  if (listener_first) {
    l = make_listener();
    new Chan(a, m);
  } else {
    new Chan(a, m);
    l = make_listener();
  }
  const y = socket.create_connection(l.socket!.getsockname() as [string, number]); // completes first
  try {
    await sleep(50);
    x.send(Buffer.from("x\n")); // then the line
    await sleep(100);
    await asyncore.loop({ timeout: 0, map: m, count: 1 });
    return events;
  } finally {
    x.close();
    y.close();
    asyncore.close_all(m);
  }
}

describe("porting: order of readiness across sockets", () => {
  it("one iteration dispatches what is ready in the map's order, not in arrival order", async () => {
    expect(await run(true)).to.deep.equal(["accept", "line"]);
    expect(await run(false)).to.deep.equal(["line", "accept"]);
  });

  it("CPython's asyncore gives the same orders", function () {
    const py = python3_or_skip(this, "asyncore");
    const script = fileURLToPath(new URL("../../../test/porting/readiness_order.py", import.meta.url));
    const r = spawnSync(py, ["-W", "ignore", script], { encoding: "utf8", timeout: 10000 });
    expect(r.stderr).to.equal("");
    expect(r.stdout.trim()).to.equal("accept line|line accept");
  });
});
