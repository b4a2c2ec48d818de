// errno numbers, names (errorcode) and strerror texts, as CPython shows them on Linux.
import { expect } from "chai";
import * as errno from "../../src/errno/index.js";

describe("errno/codes", () => {
  describe("constants", () => {
    it("have Linux's numbers", () => {
      expect([errno.EPERM, errno.ENOENT, errno.EINTR, errno.EBADF, errno.EAGAIN, errno.EWOULDBLOCK])
        .to.deep.equal([1, 2, 4, 9, 11, 11]);
      expect([errno.EPIPE, errno.EINVAL, errno.EMFILE, errno.ENOTCONN, errno.EISCONN]).to.deep.equal([32, 22, 24, 107, 106]);
      expect([errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.ECONNRESET, errno.ECONNREFUSED, errno.ECONNABORTED])
        .to.deep.equal([98, 99, 104, 111, 103]);
      expect([errno.EINPROGRESS, errno.EALREADY, errno.ETIMEDOUT, errno.ESHUTDOWN]).to.deep.equal([115, 114, 110, 108]);
    });
  });

  describe("errorcode", () => {
    it("names a number by Python's primary name where two names share it", () => {
      expect(errno.errorcode.get(11)).to.equal("EAGAIN");
      expect(errno.errorcode.get(95)).to.equal("ENOTSUP");
      expect(errno.errorcode.get(35)).to.equal("EDEADLOCK");
    });

    it("names the socket errnos, including those Node's os.constants lacks", () => {
      expect(errno.errorcode.get(111)).to.equal("ECONNREFUSED");
      expect(errno.errorcode.get(104)).to.equal("ECONNRESET");
      expect(errno.errorcode.get(108)).to.equal("ESHUTDOWN");
      expect(errno.errorcode.get(115)).to.equal("EINPROGRESS");
    });
  });

  describe("errno_by_name()", () => {
    it("maps names, aliases included, to numbers and unknown names to undefined", () => {
      expect(errno.errno_by_name("ECONNRESET")).to.equal(104);
      expect(errno.errno_by_name("EWOULDBLOCK")).to.equal(11);
      expect(errno.errno_by_name("ESHUTDOWN")).to.equal(108);
      expect(errno.errno_by_name("ENOTFOUND")).to.equal(undefined);
      expect(errno.errno_by_name("toString")).to.equal(undefined);
    });

    it("is still exported under its old name, errno_of, for imports written before the rename", () => {
      expect(errno.errno_of).to.equal(errno.errno_by_name);
    });
  });

  describe("strerror()", () => {
    // Each expected text is what CPython's os.strerror(n) prints on Linux.
    const cases: [number, string][] = [
      [1, "Operation not permitted"],
      [2, "No such file or directory"],
      [5, "Input/output error"],
      [9, "Bad file descriptor"],
      [11, "Resource temporarily unavailable"],
      [12, "Cannot allocate memory"],
      [22, "Invalid argument"],
      [32, "Broken pipe"],
      [98, "Address already in use"],
      [99, "Cannot assign requested address"],
      [104, "Connection reset by peer"],
      [106, "Transport endpoint is already connected"],
      [107, "Transport endpoint is not connected"],
      [108, "Cannot send after transport endpoint shutdown"],
      [110, "Connection timed out"],
      [111, "Connection refused"],
      [113, "No route to host"],
      [114, "Operation already in progress"],
      [115, "Operation now in progress"],
    ];
    for (const [n, text] of cases) {
      it(`gives the C library's text for ${n}: "${text}"`, () => {
        expect(errno.strerror(n)).to.equal(text);
      });
    }

    it("gives 'Unknown error n' for a number no OS defines", () => {
      expect(errno.strerror(9999)).to.equal("Unknown error 9999");
    });
  });
});
