// This process's TCP bind table: which binds of one port coexist, which collide, and where each connection goes.
import * as net from "node:net";
import { expect } from "chai";
import {
  AF_INET, AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, POLLIN, SOCK_STREAM, socket, type Address,
} from "../../src/socket/index.js";
import { connect_client, next_event, thrown, wait_for } from "../helpers/net.js";

describe("socket: binds of one port in one process, as Linux's bind table decides", () => {
  const open: socket[] = [];
  const clients: net.Socket[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    for (const c of clients.splice(0)) c.destroy();
  });

  function bound(family: number, host: string, port: number, setup?: (s: socket) => void): socket {
    const s = new socket(family, SOCK_STREAM);
    open.push(s);
    setup?.(s);
    s.bind([host, port]);
    s.listen(5);
    return s;
  }

  function port_of(s: socket): number {
    return (s.getsockname() as [string, number])[1];
  }

  /** Connects a Node client to host:port and returns the emulated listener's accepted peer address. */
  async function arrives_at(listener: socket, host: string, port: number): Promise<Address> {
    clients.push(await connect_client({ host, port }));
    await wait_for(listener, POLLIN);
    const [conn, addr] = listener.accept();
    open.push(conn);
    return addr;
  }

  it("getsockname() gives the exact address bound, not the port's shared listener", () => {
    const s = bound(AF_INET, "127.0.0.1", 0);
    expect(s.getsockname()).to.deep.equal(["127.0.0.1", port_of(s)]);
    const t = bound(AF_INET6, "::1", 0);
    expect(t.getsockname()).to.deep.equal(["::1", port_of(t), 0, 0]);
  });

  it("127.0.0.1 and ::1 on the same port coexist, and each takes the connections made to it", async () => {
    const v4 = bound(AF_INET, "127.0.0.1", 0);
    const port = port_of(v4);
    const v6 = bound(AF_INET6, "::1", port);
    expect(port_of(v6)).to.equal(port);
    expect((await arrives_at(v6, "::1", port))[0]).to.equal("::1");
    expect(await arrives_at(v4, "127.0.0.1", port)).to.have.property("0", "127.0.0.1");
    expect(v4.poll_flags() & POLLIN).to.equal(0);
    expect(v6.poll_flags() & POLLIN).to.equal(0);
  });

  it("two loopback addresses of 127.0.0.0/8 share a port; each gets only its own connections", async () => {
    const a = bound(AF_INET, "127.0.0.1", 0);
    const port = port_of(a);
    const b = bound(AF_INET, "127.0.0.2", port);
    expect(b.getsockname()).to.deep.equal(["127.0.0.2", port]);
    const peer = await arrives_at(b, "127.0.0.2", port);
    expect(peer[0]).to.equal("127.0.0.1"); // Linux picks the source 127.0.0.1 for a loopback destination
    expect(a.poll_flags() & POLLIN).to.equal(0);
  });

  it("AF_INET 0.0.0.0 beside an IPV6_V6ONLY AF_INET6 :: (the dual-stack server pattern): IPv4 to one, IPv6 to the other", async () => {
    const v4 = bound(AF_INET, "0.0.0.0", 0);
    const port = port_of(v4);
    const v6 = bound(AF_INET6, "::", port, (s) => s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1));
    expect(await arrives_at(v4, "127.0.0.1", port)).to.have.property("0", "127.0.0.1");
    expect((await arrives_at(v6, "::1", port))[0]).to.equal("::1");
  });

  it("an AF_INET6 :: without IPV6_V6ONLY takes IPv4 clients too, with v4-mapped addresses", async () => {
    const v6 = bound(AF_INET6, "::", 0);
    const peer = await arrives_at(v6, "127.0.0.1", port_of(v6));
    expect(peer[0]).to.equal("::ffff:127.0.0.1");
  });

  const collisions: ReadonlyArray<readonly [string, number, string, number, string, boolean?]> = [
    ["the same address twice", AF_INET, "127.0.0.1", AF_INET, "127.0.0.1"],
    ["0.0.0.0 after 127.0.0.1", AF_INET, "127.0.0.1", AF_INET, "0.0.0.0"],
    ["127.0.0.1 after 0.0.0.0", AF_INET, "0.0.0.0", AF_INET, "127.0.0.1"],
    ["dual-stack :: after 0.0.0.0", AF_INET, "0.0.0.0", AF_INET6, "::"],
    ["127.0.0.1 after dual-stack ::", AF_INET6, "::", AF_INET, "127.0.0.1"],
    ["::1 after ::", AF_INET6, "::", AF_INET6, "::1"],
  ];
  for (const [what, fa, ha, fb, hb] of collisions) {
    it(`collides with EADDRINUSE: ${what}`, () => {
      const a = bound(fa, ha, 0);
      const b = new socket(fb, SOCK_STREAM);
      open.push(b);
      const err = thrown(() => b.bind([hb, port_of(a)]));
      expect(err.errno).to.equal(98);
      expect(err.message).to.equal("[Errno 98] Address already in use");
    });
  }

  it("a connection to an address of the port that nothing is bound to is refused", async () => {
    const a = bound(AF_INET, "127.0.0.1", 0);
    const c = net.connect({ host: "127.0.0.3", port: port_of(a) });
    clients.push(c);
    const err = await next_event<NodeJS.ErrnoException>(c, "error");
    expect(["ECONNREFUSED", "ECONNRESET"]).to.include(err.code);
    expect(a.poll_flags() & POLLIN).to.equal(0);
  });

  it("a sole binding that took a connection still refuses one made to another address of its port", async () => {
    const a = bound(AF_INET, "127.0.0.1", 0);
    const port = port_of(a);
    expect(await arrives_at(a, "127.0.0.1", port)).to.have.property("0", "127.0.0.1");
    const c = net.connect({ host: "127.0.0.3", port });
    clients.push(c);
    const err = await next_event<NodeJS.ErrnoException>(c, "error");
    expect(["ECONNREFUSED", "ECONNRESET"]).to.include(err.code);
    expect(a.poll_flags() & POLLIN).to.equal(0);
    expect(await arrives_at(a, "127.0.0.1", port)).to.have.property("0", "127.0.0.1");
  });

  it("once the binding that took a port's connections closes, the one left takes none made to the closed one's address", async () => {
    const a = bound(AF_INET, "127.0.0.1", 0);
    const port = port_of(a);
    await arrives_at(a, "127.0.0.1", port);
    const b = bound(AF_INET, "127.0.0.2", port);
    a.close();
    const c = net.connect({ host: "127.0.0.1", port });
    clients.push(c);
    const err = await next_event<NodeJS.ErrnoException>(c, "error");
    expect(["ECONNREFUSED", "ECONNRESET"]).to.include(err.code);
    expect(b.poll_flags() & POLLIN).to.equal(0);
    expect((await arrives_at(b, "127.0.0.2", port))[0]).to.equal("127.0.0.1");
  });

  it("after close() the port binds again at once, to another address too", () => {
    const a = bound(AF_INET, "127.0.0.1", 0);
    const port = port_of(a);
    a.close();
    const b = bound(AF_INET, "0.0.0.0", port);
    expect(b.getsockname()).to.deep.equal(["0.0.0.0", port]);
  });

  it("an address that is not this machine's raises EADDRNOTAVAIL", () => {
    const s = new socket(AF_INET, SOCK_STREAM);
    open.push(s);
    const err = thrown(() => s.bind(["192.0.2.1", 0]));
    expect(err.errno).to.equal(99);
    expect(err.message).to.equal("[Errno 99] Cannot assign requested address");
  });
});
