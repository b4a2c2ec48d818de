// The default handle_error's line as CPython's: the traceback from the loop's catch inward, co_name function names, module-qualified package classes.
import { expect } from "chai";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as asyncore from "../../src/asyncore/index.js";
import { type_repr } from "../../src/asyncore/traceback.js";
import { OSError } from "../../src/errno/index.js";
import { gaierror } from "../../src/socket/index.js";

const A_FILE = fileURLToPath(import.meta.url);

class Deep extends asyncore.file_dispatcher {
  logged: string[] = [];
  done = false;
  constructor(map: asyncore.SocketMap) {
    const fd = openSync(A_FILE, "r");
    try {
      super(fd, map);
    } finally {
      closeSync(fd);
    }
  }
  override readable(): boolean {
    return !this.done;
  }
  override writable(): boolean {
    return false;
  }
  override handle_read(): void {
    this.done = true;
    this.deeper(2);
  }
  deeper(n: number): void {
    if (n === 0) throw new gaierror(-2, "Name or service not known");
    this.deeper(n - 1);
  }
  override log_info(message: unknown, type = "info"): void {
    if (!this.ignore_log_types.has(type)) this.logged.push(String(message));
  }
}

describe("asyncore: the default handle_error's traceback", () => {
  it("starts at the loop's catch (dispatch read), ends at the raise, and names functions by their own name", async () => {
    const map: asyncore.SocketMap = new Map();
    const ch = new Deep(map);
    await asyncore.loop({ timeout: 0, count: 1, map });
    expect(ch.logged).to.have.length(1);
    const m = /\(<class 'socket\.gaierror'>:\[Errno -2\] Name or service not known (.*)\)$/.exec(ch.logged[0]!);
    expect(m, ch.logged[0]).to.not.equal(null);
    const fns = [...m![1]!.matchAll(/\[[^|]*\|([^|]*)\|\d+\]/g)].map((x) => x[1]);
    expect(fns).to.deep.equal(["read", "handle_read_event", "handle_read", "deeper", "deeper", "deeper"]);
    expect(m![1]).to.match(/^\[[^|]*\/asyncore\/dispatch\.[jt]s\|read\|\d+\]/);
  });

  it("a package class shows its Python module outside builtins; builtins and a user's class their bare name", () => {
    class MyError extends Error {}
    expect(type_repr(gaierror)).to.equal("<class 'socket.gaierror'>");
    expect(type_repr(asyncore.ExitNow)).to.equal("<class 'asyncore.ExitNow'>");
    expect(type_repr(OSError)).to.equal("<class 'OSError'>");
    expect(type_repr(TypeError)).to.equal("<class 'TypeError'>");
    expect(type_repr(MyError)).to.equal("<class 'MyError'>");
  });
});
