// AF_UNIX address length, as CPython's getsockaddrarg checks it (issue 9, item 4).
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { OSError } from "../../src/errno/index.js";
import { AF_UNIX, SOCK_STREAM, socket } from "../../src/socket/index.js";

/** A path of exactly `bytes` UTF-8 bytes inside `dir`, padded with `fill`. */
function path_of(dir: string, bytes: number, fill = "a"): string {
  const base = `${dir}/`;
  const per = Buffer.byteLength(fill);
  return base + fill.repeat((bytes - Buffer.byteLength(base)) / per);
}

/** The error `fn` throws (CPython 3.11: OSError('AF_UNIX path too long'), errno and strerror None). */
function too_long(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).to.be.instanceOf(OSError);
  const e = err as OSError;
  expect(e.constructor).to.equal(OSError);
  expect(e.message).to.equal("AF_UNIX path too long");
  expect(e.args).to.deep.equal(["AF_UNIX path too long"]);
  expect(e.errno).to.equal(null);
  expect(e.strerror).to.equal(null);
}

describe("socket: AF_UNIX path length", () => {
  let dir: string;
  // Short enough for the 107-byte limit to leave room for names.
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "au-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function with_sock(fn: (s: socket) => void): void {
    const s = new socket(AF_UNIX, SOCK_STREAM);
    try {
      fn(s);
    } finally {
      s.close();
    }
  }

  it("bind() to a 108-byte path raises OSError('AF_UNIX path too long') and creates no file", () => {
    with_sock((s) => too_long(() => s.bind(path_of(dir, 108))));
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it("bind() to a 107-byte path succeeds and getsockname() gives it whole", () => {
    const p = path_of(dir, 107);
    with_sock((s) => {
      s.bind(p);
      expect(s.getsockname()).to.equal(p);
      expect(existsSync(p)).to.equal(true);
    });
  });

  it("counts a str path's UTF-8 bytes, not its characters", () => {
    // "é" is two bytes: a path of 108 bytes in fewer than 108 characters.
    const base = `${dir}/`;
    const rest = 108 - base.length;
    const p = base + (rest % 2 ? "a" : "") + "é".repeat(Math.floor(rest / 2));
    expect(Buffer.byteLength(p)).to.equal(108);
    expect(p.length).to.be.below(108);
    with_sock((s) => too_long(() => s.bind(p)));
  });

  it("a bytes path is measured in bytes: 108 too long", () => {
    with_sock((s) => too_long(() => s.bind(Buffer.from(path_of(dir, 108)) as never)));
  });

  it("an abstract name ('\\0…') may fill all 108 bytes; 109 is too long", () => {
    with_sock((s) => too_long(() => s.bind(`\0${"x".repeat(108)}`)));
    with_sock((s) => {
      const name = `\0${"y".repeat(100)}${process.pid}`.slice(0, 108);
      s.bind(name);
      expect(s.getsockname()).to.equal(name);
    });
  });

  it("connect() and connect_ex() raise the same OSError instead of returning an errno", () => {
    const p = path_of(dir, 108);
    with_sock((s) => too_long(() => s.connect(p)));
    with_sock((s) => too_long(() => s.connect_ex(p)));
  });
});
