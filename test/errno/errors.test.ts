// Python's built-in exception classes: messages, errno/strerror/code fields, subclass choice, Python's bases, cause.
import { expect } from "chai";
import {
  ArithmeticError, AssertionError, BlockingIOError, BrokenPipeError, ChildProcessError, ConnectionAbortedError,
  ConnectionError, ConnectionRefusedError, ConnectionResetError, Exception, FileExistsError, FileNotFoundError,
  InterruptedError, IsADirectoryError, KeyError, LookupError, NotADirectoryError, NotImplementedError, OSError,
  OverflowError, PermissionError, ProcessLookupError, RuntimeError, TimeoutError, UnicodeEncodeError, UnicodeDecodeError,
  UnicodeError, ValueError, ECONNREFUSED, errno_from_node, from_node_error, os_error,
} from "../../src/errno/index.js";

describe("errno/errors", () => {
  describe("OSError", () => {
    it("formats its message as Python does: [Errno n] strerror", () => {
      const e = new OSError(111, "Connection refused");
      expect(e.message).to.equal("[Errno 111] Connection refused");
      expect(String(e)).to.equal("OSError: [Errno 111] Connection refused");
    });

    it("appends a filename as Python does", () => {
      expect(new OSError(2, "No such file or directory", "/x/y").message)
        .to.equal("[Errno 2] No such file or directory: '/x/y'");
    });

    it("carries errno, strerror, code and args", () => {
      const e = os_error(104);
      expect(e.errno).to.equal(104);
      expect(e.strerror).to.equal("Connection reset by peer");
      expect(e.code).to.equal("ECONNRESET");
      expect(e.args).to.deep.equal([104, "Connection reset by peer"]);
    });

    it("uses Python's primary name as code where names share a number", () => {
      expect(os_error(11).code).to.equal("EAGAIN");
      expect(os_error(108).code).to.equal("ESHUTDOWN");
    });
  });

  describe("os_error()", () => {
    const cases: [number, Function, string][] = [
      [11, BlockingIOError, "[Errno 11] Resource temporarily unavailable"],
      [114, BlockingIOError, "[Errno 114] Operation already in progress"],
      [115, BlockingIOError, "[Errno 115] Operation now in progress"],
      [32, BrokenPipeError, "[Errno 32] Broken pipe"],
      [108, BrokenPipeError, "[Errno 108] Cannot send after transport endpoint shutdown"],
      [103, ConnectionAbortedError, "[Errno 103] Software caused connection abort"],
      [111, ConnectionRefusedError, "[Errno 111] Connection refused"],
      [104, ConnectionResetError, "[Errno 104] Connection reset by peer"],
      [110, TimeoutError, "[Errno 110] Connection timed out"],
      [4, InterruptedError, "[Errno 4] Interrupted system call"],
      [2, FileNotFoundError, "[Errno 2] No such file or directory"],
      [13, PermissionError, "[Errno 13] Permission denied"],
      [98, OSError, "[Errno 98] Address already in use"],
    ];
    for (const [n, cls, message] of cases) {
      it(`builds ${cls.name} for errno ${n}`, () => {
        const e = os_error(n);
        expect(e).to.be.instanceOf(cls);
        expect(e.constructor).to.equal(cls);
        expect(e.name).to.equal(cls.name);
        expect(e.message).to.equal(message);
      });
    }

    it("keeps a given message", () => {
      expect(os_error(111, "nope").message).to.equal("[Errno 111] nope");
    });
  });

  describe("instanceof chains", () => {
    it("ConnectionRefusedError is a ConnectionError, an OSError and an Error", () => {
      const e = os_error(ECONNREFUSED);
      expect(e).to.be.instanceOf(ConnectionRefusedError);
      expect(e).to.be.instanceOf(ConnectionError);
      expect(e).to.be.instanceOf(OSError);
      expect(e).to.be.instanceOf(Error);
      expect(e).not.to.be.instanceOf(ConnectionResetError);
      expect(e.code).to.equal("ECONNREFUSED");
      expect(e.errno).to.equal(111);
    });

    it("BlockingIOError is an OSError but not a ConnectionError", () => {
      const e = os_error(11);
      expect(e).to.be.instanceOf(BlockingIOError).and.instanceOf(OSError);
      expect(e).not.to.be.instanceOf(ConnectionError);
    });

    it("errors have a stack trace", () => {
      expect(os_error(32).stack).to.be.a("string").and.include("BrokenPipeError");
    });
  });

  describe("Node errors", () => {
    it("map by code to the Python class", () => {
      const node = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED", errno: -111, syscall: "connect" });
      const e = from_node_error(node);
      expect(e).to.be.instanceOf(ConnectionRefusedError);
      expect(e.message).to.equal("[Errno 111] Connection refused");
    });

    it("map by negative errno when the code is not an errno name, and to EIO when nothing fits", () => {
      expect(errno_from_node({ code: "ERR_SOMETHING", errno: -104 })).to.equal(104);
      expect(errno_from_node(new Error("x"))).to.equal(5);
      expect(errno_from_node(null)).to.equal(5);
    });

    it("pass an OSError through unchanged", () => {
      const e = os_error(104);
      expect(from_node_error(e)).to.equal(e);
    });

    it("keep the Node error as cause, with the stable code and Python's message unchanged", () => {
      const node = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
        code: "ECONNREFUSED", errno: -111, syscall: "connect", address: "127.0.0.1", port: 1,
      });
      const e = from_node_error(node);
      expect(e.cause).to.equal(node);
      expect(e.code).to.equal("ECONNREFUSED");
      expect(e.message).to.equal("[Errno 111] Connection refused");
      // As ES2022's Error keeps it: own, not enumerable, so deep-equal and JSON see the Python fields only.
      expect(Object.getOwnPropertyDescriptor(e, "cause")?.enumerable).to.equal(false);
    });

    it("keep even a non-Error thrown value as cause", () => {
      expect(from_node_error("boom").cause).to.equal("boom");
    });

    it("an OSError raised here, not converted from Node, has no cause", () => {
      expect(os_error(104)).not.to.have.property("cause");
    });
  });

  describe("Python's class hierarchy", () => {
    // Each class with its __base__, as CPython 3.11 reports it (builtins.<name>.__base__).
    const bases: [Function, Function][] = [
      [OSError, Exception],
      [BlockingIOError, OSError], [ConnectionError, OSError], [TimeoutError, OSError],
      [InterruptedError, OSError], [FileNotFoundError, OSError], [FileExistsError, OSError],
      [IsADirectoryError, OSError], [NotADirectoryError, OSError], [PermissionError, OSError],
      [ChildProcessError, OSError], [ProcessLookupError, OSError],
      [BrokenPipeError, ConnectionError], [ConnectionAbortedError, ConnectionError],
      [ConnectionRefusedError, ConnectionError], [ConnectionResetError, ConnectionError],
      [ValueError, Exception], [UnicodeError, ValueError], [UnicodeEncodeError, UnicodeError], [UnicodeDecodeError, UnicodeError],
      [LookupError, Exception], [KeyError, LookupError],
      [ArithmeticError, Exception], [OverflowError, ArithmeticError],
      [RuntimeError, Exception], [NotImplementedError, RuntimeError],
      [AssertionError, Exception],
    ];
    for (const [cls, base] of bases) {
      it(`${cls.name}'s base is ${base.name}`, () => {
        expect(Object.getPrototypeOf(cls)).to.equal(base);
      });
    }

    it("Exception is an Error, so JavaScript's tools (stack, cause, util.inspect) apply", () => {
      const e = new Exception("x");
      expect(e).to.be.instanceOf(Error);
      expect(e.name).to.equal("Exception");
      expect(String(e)).to.equal("Exception: x");
    });

    it("every class is named as in Python; a user's subclass shows its own name, as a Python traceback would", () => {
      for (const [cls] of bases) expect((Reflect.construct(cls, []) as Error).name).to.equal(cls.name);
      class AppError extends ValueError {}
      expect(new AppError("bad").name).to.equal("AppError");
      expect(String(new AppError("bad"))).to.equal("AppError: bad");
    });
  });

  describe("ValueError", () => {
    it("is an Error named ValueError with Python's message", () => {
      const e = new ValueError("negative buffersize in recv");
      expect(e).to.be.instanceOf(Error);
      expect(e.name).to.equal("ValueError");
      expect(String(e)).to.equal("ValueError: negative buffersize in recv");
    });
  });
});
