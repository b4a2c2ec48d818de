// asyncore's errors: ExitNow is a plain Python Exception, and how the loop reads a raised error's errno.
import { expect } from "chai";
import { ECONNRESET, Exception, OSError, os_error } from "../../src/errno/index.js";
import { errno_of_error, ExitNow, is_reraised } from "../../src/asyncore/errors.js";

describe("asyncore/errors", () => {
  it("ExitNow is an Exception (not an OSError), named as in Python, and the one error the loop re-raises", () => {
    const e = new ExitNow("stop");
    expect(e).to.be.instanceOf(Exception).and.instanceOf(Error);
    expect(e).not.to.be.instanceOf(OSError);
    expect(String(e)).to.equal("ExitNow: stop");
    expect(is_reraised(e)).to.equal(true);
    expect(is_reraised(os_error(ECONNRESET))).to.equal(false);
  });

  it("errno_of_error() reads a raised error's .errno, null when it has none", () => {
    expect(errno_of_error(os_error(ECONNRESET))).to.equal(ECONNRESET);
    expect(errno_of_error(new OSError())).to.equal(null);
    expect(errno_of_error(new Error("x"))).to.equal(null);
    expect(errno_of_error(null)).to.equal(null);
    expect(errno_of_error(undefined)).to.equal(null);
  });
});
