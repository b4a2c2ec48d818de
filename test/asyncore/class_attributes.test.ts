// dispatcher's class attributes can be overridden in a subclass as a field or as a getter, as in Python.
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { capture_output } from "../helpers/asyncore.js";

class Quiet extends asyncore.dispatcher {
  override get ignore_log_types(): ReadonlySet<string> {
    return new Set(["warning", "info"]);
  }
}

class Chatty extends asyncore.dispatcher {
  override ignore_log_types: ReadonlySet<string> = new Set();
  override debug = true;
}

describe("dispatcher class attributes", () => {
  it("keeps Python's defaults on the prototype", () => {
    const d = new asyncore.dispatcher(null, new Map());
    expect(d.debug).to.equal(false);
    expect(d.connected).to.equal(false);
    expect(d.accepting).to.equal(false);
    expect(d.connecting).to.equal(false);
    expect(d.closing).to.equal(false);
    expect(d.addr).to.equal(null);
    expect([...d.ignore_log_types]).to.deep.equal(["warning"]);
    expect(Object.prototype.hasOwnProperty.call(d, "debug")).to.equal(false);
  });

  it("reads a getter override at use time (log_info honours it)", () => {
    const d = new Quiet(null, new Map());
    const { stdout } = capture_output(() => {
      d.log_info("hidden");
      d.log_info("shown", "error");
    });
    expect(stdout).to.deep.equal(["error: shown"]);
  });

  it("reads a field override at use time (warnings logged when not ignored)", () => {
    const d = new Chatty(null, new Map());
    const { stdout } = capture_output(() => d.handle_read());
    expect(d.debug).to.equal(true);
    expect(stdout).to.deep.equal(["warning: unhandled read event"]);
  });
});
