// getsockname() while a connection is being made: Linux reports the address connect() bound.
// (Node issues connect(2) on its next tick, so the test lets one tick pass: PORTING.md, "Connecting".)
import { expect } from "chai";
import { OSError } from "../../src/errno/index.js";
import { SOCK_STREAM, socket } from "../../src/socket/index.js";
import { FAMILIES, listening_socket, accept_one, remove_unix_paths } from "../helpers/net.js";

for (const fam of FAMILIES.filter((f) => f.host !== null)) {
  describe(`socket: getsockname() of a connecting ${fam.name} socket`, () => {
    const open: socket[] = [];
    afterEach(() => {
      for (const s of open.splice(0)) s.close();
      remove_unix_paths();
    });

    it("reports the local host and the ephemeral port the server then sees as the peer's", async () => {
      const listener = listening_socket(fam);
      const client = new socket(fam.family, SOCK_STREAM);
      open.push(listener, client);
      expect(() => client.connect(listener.getsockname())).to.throw(OSError);
      await new Promise((resolve) => setImmediate(resolve));
      const [here_host, here_port] = client.getsockname() as [string, number];
      expect(here_host).to.equal(fam.host);
      expect(here_port).to.be.greaterThan(0);
      const [conn, peer] = await accept_one(listener);
      open.push(conn);
      expect((peer as [string, number])[1]).to.equal(here_port);
      expect((client.getsockname() as [string, number])[1]).to.equal(here_port);
    });
  });
}
