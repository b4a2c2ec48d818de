// Every value a handler throws, and every rejection of a promise a handler returns, reaches that channel's handle_error.
import { expect } from "chai";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as asyncore from "../../src/asyncore/index.js";
import { loop_until } from "../helpers/asyncore.js";

/** A regular file: always ready for reading, so the loop calls handle_read at once. */
const A_FILE = fileURLToPath(import.meta.url);

/** A channel over a regular file, read once; what it logs is kept instead of printed. */
class FileChannel extends asyncore.file_dispatcher {
  logged: string[] = [];
  reads = 0;
  constructor(map: asyncore.SocketMap) {
    const fd = openSync(A_FILE, "r");
    try {
      super(fd, map);
    } finally {
      closeSync(fd);
    }
  }
  override readable(): boolean {
    return this.reads === 0;
  }
  override writable(): boolean {
    return false;
  }
  override log_info(message: unknown, type = "info"): void {
    if (!this.ignore_log_types.has(type)) this.logged.push(`${type}: ${String(message)}`);
  }
}

describe("asyncore: thrown values", () => {
  const maps: asyncore.SocketMap[] = [];
  const new_map = (): asyncore.SocketMap => {
    const m: asyncore.SocketMap = new Map();
    maps.push(m);
    return m;
  };
  afterEach(() => {
    for (const m of maps.splice(0)) asyncore.close_all(m, true);
  });

  const cases: ReadonlyArray<[string, unknown, string]> = [
    ["undefined", undefined, "(<class 'undefined'>:undefined [?|?|0])"],
    ["null", null, "(<class 'null'>:null [?|?|0])"],
    ["a string", "boom", "(<class 'String'>:boom [?|?|0])"],
    ["a number", 42, "(<class 'Number'>:42 [?|?|0])"],
  ];
  for (const [what, value, tail] of cases) {
    it(`throwing ${what} from a handler reaches the default handle_error, which logs it and closes the channel; loop() goes on`, async () => {
      const map = new_map();
      const ch = new FileChannel(map);
      ch.handle_read = function (this: FileChannel): void {
        this.reads++;
        throw value;
      };
      await asyncore.loop({ timeout: 0, count: 1, map });
      expect(ch.logged).to.have.length(1);
      expect(ch.logged[0]).to.match(/^error: uncaptured python exception, closing channel <FileChannel connected at 0x[0-9a-f]+> /);
      expect(ch.logged[0]!.endsWith(` ${tail}`), ch.logged[0]).to.equal(true);
      expect(map.size).to.equal(0);
    });
  }

  it("a thrown undefined is what an overridden handle_error receives", async () => {
    const map = new_map();
    const ch = new FileChannel(map);
    const seen: unknown[] = [];
    ch.handle_read = function (this: FileChannel): void {
      this.reads++;
      throw undefined;
    };
    ch.handle_error = function (this: FileChannel, err?: unknown): void {
      seen.push(err, arguments.length);
      this.close();
    };
    await asyncore.loop({ timeout: 0, count: 1, map });
    expect(seen).to.deep.equal([undefined, 1]);
  });
});

describe("asyncore: a handler's returned promise", () => {
  const maps: asyncore.SocketMap[] = [];
  const new_map = (): asyncore.SocketMap => {
    const m: asyncore.SocketMap = new Map();
    maps.push(m);
    return m;
  };
  let unhandled: unknown[] = [];
  const on_unhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled = [];
    process.on("unhandledRejection", on_unhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", on_unhandled);
    for (const m of maps.splice(0)) asyncore.close_all(m, true);
  });

  it("a rejection reaches handle_error on the same channel while it is open, not the process", async () => {
    const map = new_map();
    const ch = new FileChannel(map);
    const boom = new Error("later");
    const seen: unknown[] = [];
    ch.handle_read = async function (this: FileChannel): Promise<void> {
      this.reads++;
      await Promise.resolve();
      throw boom;
    } as unknown as () => void;
    ch.handle_error = function (this: FileChannel, err?: unknown): void {
      seen.push(err, asyncore.current_error());
      this.close();
    };
    await loop_until(() => seen.length > 0, { use_poll: false, map, what: "handle_error" });
    expect(seen).to.deep.equal([boom, boom]);
    await new Promise((r) => setImmediate(r));
    expect(unhandled).to.deep.equal([]);
  });

  it("with the default handle_error, a rejected undefined is logged and the channel closed", async () => {
    const map = new_map();
    const ch = new FileChannel(map);
    ch.handle_read = async function (this: FileChannel): Promise<void> {
      this.reads++;
      throw undefined;
    } as unknown as () => void;
    await loop_until(() => ch.logged.length > 0, { use_poll: true, map, what: "log" });
    expect(ch.logged).to.have.length(1);
    expect(ch.logged[0]).to.match(/^error: uncaptured python exception, closing channel .* \(<class 'undefined'>:undefined \[\?\|\?\|0\]\)$/);
    expect(map.size).to.equal(0);
  });

  it("a rejection after the channel closed is logged through log_info, and handle_error is not called", async () => {
    const map = new_map();
    const ch = new FileChannel(map);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let errors = 0;
    ch.handle_read = async function (this: FileChannel): Promise<void> {
      this.reads++;
      this.close();
      await gate;
      throw new TypeError("too late");
    } as unknown as () => void;
    ch.handle_error = (): void => {
      errors++;
    };
    await asyncore.loop({ timeout: 0, count: 1, map });
    release();
    await new Promise((r) => setImmediate(r));
    expect(errors).to.equal(0);
    expect(ch.logged).to.have.length(1);
    expect(ch.logged[0]).to.match(/^error: rejected handler promise after close, channel <FileChannel at 0x[0-9a-f]+> \(TypeError: too late\)$/);
    expect(unhandled).to.deep.equal([]);
  });

  it("an async handle_close that the dispatcher calls (here from the default handle_error) is settled too", async () => {
    const map = new_map();
    const ch = new FileChannel(map);
    ch.handle_read = function (this: FileChannel): void {
      this.reads++;
      throw new Error("first");
    };
    ch.handle_close = async function (this: FileChannel): Promise<void> {
      this.close();
      await Promise.resolve();
      throw new Error("in close");
    } as unknown as () => void;
    await asyncore.loop({ timeout: 0, count: 1, map });
    await new Promise((r) => setImmediate(r));
    expect(ch.logged).to.have.length(2);
    expect(ch.logged[1]).to.match(/^error: rejected handler promise after close, channel <FileChannel at 0x[0-9a-f]+> \(Error: in close\)$/);
    expect(unhandled).to.deep.equal([]);
  });

  it("a resolved promise changes nothing", async () => {
    const map = new_map();
    const ch = new FileChannel(map);
    ch.handle_read = async function (this: FileChannel): Promise<void> {
      this.reads++;
    } as unknown as () => void;
    await asyncore.loop({ timeout: 0, count: 1, map });
    await new Promise((r) => setImmediate(r));
    expect(ch.logged).to.deep.equal([]);
    expect(map.size).to.equal(1);
  });
});
