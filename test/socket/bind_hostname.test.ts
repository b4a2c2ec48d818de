// bind() to a host name: Node looks it up asynchronously; the address, or the failure, arrives later.
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { expect } from "chai";
import { AF_INET, POLLERR, POLLIN, SOCK_STREAM, gaierror, socket } from "../../src/socket/index.js";
import { OSError } from "../../src/errno/index.js";
import { connect_client, thrown, wait_for } from "../helpers/net.js";

describe("socket: bind() to a host name", () => {
  const open: socket[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  it("listens on the looked-up address once the lookup is done, and accepts there", async function () {
    let ip: string;
    try {
      ip = (await lookup(hostname(), { family: 4 })).address;
    } catch {
      this.skip(); // this machine cannot resolve its own name: nothing to bind to
    }
    const s = new socket(AF_INET, SOCK_STREAM);
    open.push(s);
    s.bind([hostname(), 0]);
    s.listen(5);
    const until = Date.now() + 5000;
    while ((s.getsockname() as [string, number])[1] === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const [host, port] = s.getsockname() as [string, number];
    expect(host).to.equal(ip);
    expect(port).to.be.greaterThan(0);
    const peer = await connect_client({ host, port });
    try {
      await wait_for(s, POLLIN);
      const [conn] = s.accept();
      open.push(conn);
    } finally {
      peer.destroy();
    }
  });

  it("reports a name that does not resolve as a socket error: POLLERR, then accept() raises gaierror", async () => {
    const s = new socket(AF_INET, SOCK_STREAM);
    open.push(s);
    s.bind(["nowhere.invalid", 0]);
    s.listen(5);
    await wait_for(s, POLLERR);
    const err = thrown(() => s.accept(), gaierror);
    expect(err).to.be.instanceOf(OSError);
    expect(err.errno).to.be.lessThan(0);
  });
});
