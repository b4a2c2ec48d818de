// The socket's family, type and proto (read-only, as CPython's properties) and its warning sink (on_warning), as a layer above sets it.
import { expect } from "chai";
import { AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, socket } from "../../src/socket/index.js";
import * as asyncore from "../../src/asyncore/index.js";

describe("socket attributes", () => {
  const opened: socket[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });
  const make = (...a: ConstructorParameters<typeof socket>): socket => {
    const s = new socket(...a);
    opened.push(s);
    return s;
  };

  it("family, type and proto are what socket() was given (CPython 3.11: -1 is proto 0)", () => {
    const cases: [number, number, number, [number, number, number]][] = [
      [AF_INET, SOCK_STREAM, 6, [AF_INET, SOCK_STREAM, 6]],
      [AF_INET, SOCK_STREAM, 0, [AF_INET, SOCK_STREAM, 0]],
      [AF_INET6, SOCK_DGRAM, -1, [AF_INET6, SOCK_DGRAM, 0]],
      [AF_INET6, SOCK_DGRAM, 17, [AF_INET6, SOCK_DGRAM, 17]],
      [AF_UNIX, SOCK_STREAM, 1, [AF_UNIX, SOCK_STREAM, 1]],
      [AF_UNIX, SOCK_STREAM, 0, [AF_UNIX, SOCK_STREAM, 0]],
    ];
    for (const [f, t, p, want] of cases) {
      const s = make(f, t, p);
      expect([s.family, s.type, s.proto]).to.deep.equal(want);
    }
  });

  it("family, type and proto cannot be assigned (CPython 3.11: AttributeError, property has no setter)", () => {
    const s = make(AF_INET, SOCK_STREAM);
    const w = s as unknown as { family: number; type: number; proto: number };
    expect(() => (w.family = AF_UNIX)).to.throw(TypeError);
    expect(() => (w.type = SOCK_DGRAM)).to.throw(TypeError);
    expect(() => (w.proto = 17)).to.throw(TypeError);
    expect([s.family, s.type, s.proto]).to.deep.equal([AF_INET, SOCK_STREAM, 0]);
  });

  it("on_warning: process.emitWarning's sink by default; one set stays; a dispatcher's, set when it takes the socket, reaches its log_info", () => {
    const s = make(AF_INET, SOCK_STREAM);
    const dflt = s.on_warning;
    expect(make(AF_INET6, SOCK_STREAM).on_warning).to.equal(dflt);
    const seen: string[] = [];
    const mine = (m: string): void => void seen.push(m);
    s.on_warning = mine;
    expect(s.on_warning).to.equal(mine);
    // The dispatcher replaces it (set_socket assigns its own), as before.
    const logged: string[] = [];
    class D extends asyncore.dispatcher {
      override log_info(message: string, type = "info"): void {
        logged.push(`${type}: ${message}`);
      }
    }
    const d = new D(null, new Map());
    d.set_socket(s, new Map());
    expect(s.on_warning).to.not.equal(mine);
    expect(s.on_warning).to.not.equal(dflt);
    s.on_warning.call(s, "accept() failed");
    expect(logged).to.deep.equal(["error: accept() failed"]);
    // Set after the dispatcher took it: kept.
    s.on_warning = mine;
    expect(s.on_warning).to.equal(mine);
    s.on_warning("x");
    expect(seen).to.deep.equal(["x"]);
    // A socket no dispatcher took keeps the default after its sink is set back.
    const u = make(AF_INET, SOCK_STREAM);
    u.on_warning = mine;
    u.on_warning = dflt;
    expect(u.on_warning).to.equal(dflt);
  });
});
