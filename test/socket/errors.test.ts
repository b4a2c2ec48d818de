// socket.gaierror and Node's errors as a socket call shows them: Python's errno and text, the Node error kept as cause.
import { expect } from "chai";
import { ConnectionResetError, OSError } from "../../src/errno/index.js";
import { gaierror, socket_error_from_node } from "../../src/socket/errors.js";
import * as socket from "../../src/socket/index.js";

describe("socket/errors", () => {
  describe("name-resolution failures", () => {
    it("a Node getaddrinfo error becomes gaierror, an OSError with Python's errno and text", () => {
      const node = Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), {
        code: "ENOTFOUND", syscall: "getaddrinfo", hostname: "nowhere.invalid",
      });
      const e = socket_error_from_node(node);
      expect(e).to.be.instanceOf(gaierror).and.instanceOf(OSError);
      expect(e.errno).to.equal(-2);
      expect(e.message).to.equal("[Errno -2] Name or service not known");
      expect(e.code).to.equal("EAI_NONAME");
      expect(e.name).to.equal("gaierror");
      const again = socket_error_from_node(Object.assign(new Error("x"), { code: "EAI_AGAIN", syscall: "getaddrinfo" }));
      expect(again.message).to.equal("[Errno -3] Temporary failure in name resolution");
    });

    it("keeps the Node error as cause: the host name Node looked up stays reachable", () => {
      const node = Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), {
        code: "ENOTFOUND", syscall: "getaddrinfo", hostname: "nowhere.invalid",
      });
      expect(socket_error_from_node(node).cause).to.equal(node);
    });

    it("a gaierror built directly has no cause", () => {
      expect(new gaierror(-2, "Name or service not known")).not.to.have.property("cause");
    });
  });

  describe("other Node errors", () => {
    it("keep their errno, become the OSError subclass, and are kept as cause", () => {
      const node = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", errno: -104, syscall: "read" });
      const e = socket_error_from_node(node);
      expect(e).not.to.be.instanceOf(gaierror);
      expect(e).to.be.instanceOf(ConnectionResetError);
      expect(e.errno).to.equal(104);
      expect(e.code).to.equal("ECONNRESET");
      expect(e.cause).to.equal(node);
    });
  });

  describe("the socket module's names for them", () => {
    it("socket.error is OSError, socket.timeout is TimeoutError, gaierror and timeout are OSErrors", () => {
      expect(socket.error).to.equal(OSError);
      expect(Object.getPrototypeOf(socket.gaierror)).to.equal(OSError);
      expect(Object.getPrototypeOf(socket.timeout)).to.equal(OSError);
    });
  });
});
