// The package's entry points: subpath exports resolve, the root re-exports each layer, b`` makes bytes.
import { expect } from "chai";
import * as root from "asyncore-ts";
import * as asyncore from "asyncore-ts/asyncore";
import * as asynchat from "asyncore-ts/asynchat";
import * as socket from "asyncore-ts/socket";
import * as select from "asyncore-ts/select";
import * as errno from "asyncore-ts/errno";
import { b } from "asyncore-ts";

describe("package entry points", () => {
  it("exports every layer under its subpath and as a namespace of the root", () => {
    expect(root.asyncore.dispatcher).to.equal(asyncore.dispatcher);
    expect(root.asynchat.async_chat).to.equal(asynchat.async_chat);
    expect(root.socket.socket).to.equal(socket.socket);
    expect(root.select.select).to.equal(select.select);
    expect(root.errno.OSError).to.equal(errno.OSError);
  });

  it("offers PascalCase aliases of the Python class names", () => {
    expect(asyncore.Dispatcher).to.equal(asyncore.dispatcher);
    expect(asyncore.DispatcherWithSend).to.equal(asyncore.dispatcher_with_send);
    expect(asynchat.AsyncChat).to.equal(asynchat.async_chat);
  });

  it("has every public name of CPython 3.11's asyncore and asynchat", () => {
    for (const name of [
      "socket_map", "loop", "poll", "poll2", "poll3", "read", "write", "_exception", "readwrite",
      "close_all", "compact_traceback", "ExitNow", "dispatcher", "dispatcher_with_send",
      "file_wrapper", "file_dispatcher",
    ]) {
      expect(asyncore, name).to.have.property(name);
    }
    for (const name of ["async_chat", "simple_producer", "find_prefix_at_end"]) {
      expect(asynchat, name).to.have.property(name);
    }
  });
});

describe("b`` bytes literals", () => {
  it("makes a latin-1 Buffer, one byte per character, escapes cooked", () => {
    expect(b`HELO\r\n`).to.deep.equal(Buffer.from([0x48, 0x45, 0x4c, 0x4f, 0x0d, 0x0a]));
    expect(b`\xff\x00`).to.deep.equal(Buffer.from([0xff, 0x00]));
  });

  it("interpolates values as their string form", () => {
    const n = 42;
    expect(b`SIZE=${n} ${"x"}`.toString("latin1")).to.equal("SIZE=42 x");
  });

  it("takes a plain string too", () => {
    expect(b("abc")).to.deep.equal(Buffer.from("abc"));
  });
});
