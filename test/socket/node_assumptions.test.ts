// The documented Node behaviours the socket emulation stands on, each asserted on its own so a Node that changes one fails here, by name.
import * as net from "node:net";
import * as dgram from "node:dgram";
import { expect } from "chai";
import { connect_client, next_event, unix_path, remove_unix_paths } from "../helpers/net.js";

/** A plain Node server, closed after the test. */
function servers(): { make(): net.Server; close(): void } {
  const made: net.Server[] = [];
  return {
    make() {
      const s = net.createServer();
      s.on("error", () => undefined);
      made.push(s);
      return s;
    },
    close() {
      for (const s of made.splice(0)) s.close();
    },
  };
}

describe("Node assumption: server.listen() without a host binds every address before it returns", () => {
  const s = servers();
  afterEach(() => s.close());

  it("is listening, with the kernel's port, in the same tick (bind() is synchronous: PORTING.md)", () => {
    const server = s.make();
    server.listen({ port: 0, exclusive: true });
    expect(server.listening, "listen() without a host no longer binds synchronously").to.equal(true);
    const a = server.address() as net.AddressInfo;
    expect(a.port).to.be.within(1, 65535);
  });

  it("binds the dual-stack unspecified address: an IPv4 client arrives with a v4-mapped local address", async () => {
    const server = s.make();
    server.listen({ port: 0, exclusive: true });
    const { port, address } = server.address() as net.AddressInfo;
    expect(address, "listen() without a host no longer binds ::").to.equal("::");
    const arrived = next_event<net.Socket>(server, "connection");
    const client = await connect_client({ host: "127.0.0.1", port });
    const conn = await arrived;
    try {
      expect(conn.localAddress).to.equal("::ffff:127.0.0.1");
    } finally {
      conn.destroy();
      client.destroy();
    }
  });

  it("a port already taken leaves `listening` false at once (the 'error' comes on a later tick)", async () => {
    const holder = s.make();
    holder.listen({ port: 0, exclusive: true });
    const { port } = holder.address() as net.AddressInfo;
    const second = s.make();
    const error = next_event<NodeJS.ErrnoException>(second, "error");
    second.listen({ port, exclusive: true });
    expect(second.listening).to.equal(false);
    expect((await error).code).to.equal("EADDRINUSE");
  });

  it("close() gives the port back at once: the same port binds again in the same tick", () => {
    const first = s.make();
    first.listen({ port: 0, exclusive: true });
    const { port } = first.address() as net.AddressInfo;
    first.close();
    const again = s.make();
    again.listen({ port, exclusive: true });
    expect(again.listening, "a closed server's port is not free again at once").to.equal(true);
  });
});

describe("Node assumption: server.listen() with a path binds before it returns", () => {
  const s = servers();
  afterEach(() => {
    s.close();
    remove_unix_paths();
  });

  it("is listening in the same tick", () => {
    const server = s.make();
    server.listen({ path: unix_path(), exclusive: true });
    expect(server.listening, "listen() with a path no longer binds synchronously").to.equal(true);
  });
});

describe("Node assumption: dgram binds in bind() itself when the documented `lookup` option answers at once", () => {
  let udp: dgram.Socket | null = null;
  afterEach(() => {
    udp?.close();
    udp = null;
  });

  it("address() is known right after bind() returns", () => {
    const lookup = (host: string, _opts: unknown, cb: (e: Error | null, a: string, f: number) => void): void =>
      cb(null, host, 4);
    udp = dgram.createSocket({ type: "udp4", lookup: lookup as never });
    udp.bind(0, "127.0.0.1");
    const a = udp.address();
    expect(a.address).to.equal("127.0.0.1");
    expect(a.port).to.be.within(1, 65535);
  });
});

describe("Node assumption: resetAndDestroy() sends a TCP reset", () => {
  const s = servers();
  afterEach(() => s.close());

  it("the peer sees ECONNRESET", async () => {
    const server = s.make();
    server.listen({ port: 0, host: "127.0.0.1" });
    await next_event(server, "listening");
    const arrived = next_event<net.Socket>(server, "connection");
    const client = await connect_client({ host: "127.0.0.1", port: (server.address() as net.AddressInfo).port });
    const peer_error = next_event<NodeJS.ErrnoException>(client, "error");
    (await arrived).resetAndDestroy();
    expect((await peer_error).code).to.equal("ECONNRESET");
    client.destroy();
  });
});
