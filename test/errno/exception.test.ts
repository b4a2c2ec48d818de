// The shared base's brand: instanceof across two copies of the package, for every layer's errors, and no false matches.
import { expect } from "chai";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as asynchat from "../../src/asynchat/index.js";
import * as asyncore from "../../src/asyncore/index.js";
import * as errno from "../../src/errno/index.js";
import * as socket from "../../src/socket/index.js";
import type * as Root from "../../src/index.js";

describe("errno/exception: the brand", () => {
  // A second copy of the compiled package, as two versions in node_modules (or a bundled copy
  // beside an installed one) would be: the same code, other class objects.
  let dir = "";
  let other: typeof Root;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "asyncore-ts-copy-"));
    cpSync(fileURLToPath(new URL("../../src/", import.meta.url)), join(dir, "src"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    other = (await import(pathToFileURL(join(dir, "src", "index.js")).href)) as typeof Root;
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the copy really is another copy: its classes are other objects", () => {
    expect(other.errno.OSError).not.to.equal(errno.OSError);
    expect(other.errno.ConnectionResetError).not.to.equal(errno.ConnectionResetError);
    expect(other.asyncore.ExitNow).not.to.equal(asyncore.ExitNow);
  });

  it("an OSError subclass from one copy is instanceof its class and every base in the other", () => {
    const theirs = other.errno.os_error(errno.ECONNRESET);
    expect(theirs).to.be.instanceOf(errno.ConnectionResetError);
    expect(theirs).to.be.instanceOf(errno.ConnectionError);
    expect(theirs).to.be.instanceOf(errno.OSError);
    expect(theirs).to.be.instanceOf(errno.Exception);
    expect(theirs).to.be.instanceOf(socket.error);
    const ours = errno.os_error(errno.ECONNRESET);
    expect(ours).to.be.instanceOf(other.errno.ConnectionResetError);
    expect(ours).to.be.instanceOf(other.errno.OSError);
  });

  it("never matches a class the error does not belong to", () => {
    const blocking = other.errno.os_error(errno.EAGAIN);
    expect(blocking).to.be.instanceOf(errno.BlockingIOError).and.instanceOf(errno.OSError);
    expect(blocking).not.to.be.instanceOf(errno.ConnectionResetError);
    expect(blocking).not.to.be.instanceOf(errno.ConnectionError);
    const plain = new other.errno.OSError(errno.EADDRINUSE);
    expect(plain).to.be.instanceOf(errno.OSError);
    expect(plain).not.to.be.instanceOf(errno.BlockingIOError);
    expect(plain).not.to.be.instanceOf(errno.ConnectionResetError);
    expect(new other.errno.ValueError("x")).not.to.be.instanceOf(errno.OSError);
    expect(other.errno.os_error(errno.ECONNRESET)).not.to.be.instanceOf(errno.ValueError);
  });

  it("values that are no error of the package match nothing", () => {
    for (const x of [null, undefined, 0, "OSError", {}, new Error("x"), Object.create(null)]) {
      expect(x).not.to.be.instanceOf(errno.OSError);
      expect(x).not.to.be.instanceOf(errno.Exception);
    }
  });

  it("holds for every layer's own errors: gaierror, ExitNow, CollectLimitError, and the built-ins they re-export", () => {
    const gai = new other.socket.gaierror(-2, "Name or service not known");
    expect(gai).to.be.instanceOf(socket.gaierror).and.instanceOf(errno.OSError);
    expect(new other.errno.OSError(errno.EIO)).not.to.be.instanceOf(socket.gaierror);
    expect(new other.asyncore.ExitNow()).to.be.instanceOf(asyncore.ExitNow).and.instanceOf(errno.Exception);
    expect(new other.asyncore.ExitNow()).not.to.be.instanceOf(errno.OSError);
    const limit = new other.asynchat.CollectLimitError(10);
    expect(limit).to.be.instanceOf(asynchat.CollectLimitError).and.instanceOf(errno.ValueError);
    expect(new other.errno.ValueError("x")).not.to.be.instanceOf(asynchat.CollectLimitError);
    expect(new other.asynchat.NotImplementedError("x")).to.be.instanceOf(asyncore.NotImplementedError);
    expect(new other.select.KeyError(3)).to.be.instanceOf(errno.LookupError);
    expect(new other.socket.OverflowError("x")).to.be.instanceOf(errno.ArithmeticError);
  });

  it("lets this copy's loop re-raise an ExitNow thrown by a handler written against the other copy", () => {
    const channel = {
      handle_read_event(): void {
        throw new other.asyncore.ExitNow("stop");
      },
      handle_error(): void {
        expect.fail("ExitNow must not reach handle_error");
      },
    } as unknown as asyncore.dispatcher;
    expect(() => asyncore.read(channel)).to.throw(other.asyncore.ExitNow, "stop");
  });

  it("a user's subclass matches its own instances only, not every instance of its branded base", () => {
    class AppError extends errno.OSError {}
    expect(new AppError(errno.EIO)).to.be.instanceOf(AppError).and.instanceOf(errno.OSError);
    expect(new AppError(errno.EIO)).to.be.instanceOf(other.errno.OSError);
    expect(errno.os_error(errno.EIO)).not.to.be.instanceOf(AppError);
    expect(other.errno.os_error(errno.EIO)).not.to.be.instanceOf(AppError);
    // A subclass declared against the other copy still carries that copy's OSError brand.
    class TheirAppError extends other.errno.ConnectionError {}
    expect(new TheirAppError(errno.ECONNRESET)).to.be.instanceOf(errno.ConnectionError);
    expect(new TheirAppError(errno.ECONNRESET)).not.to.be.instanceOf(errno.ConnectionResetError);
  });

  it("narrows the type as a plain instanceof does", () => {
    const e: unknown = other.errno.os_error(errno.ECONNRESET);
    if (!(e instanceof errno.OSError)) expect.fail("not an OSError");
    // Compiles only if instanceof narrowed `e` to OSError.
    expect(e.errno).to.equal(errno.ECONNRESET);
    expect(e.code).to.equal("ECONNRESET");
  });
});
