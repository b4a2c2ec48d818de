// dispatcher.addr over an accepted socket: the peer getpeername() gave at construction, kept after the connection and the socket end.
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { AF_INET6, AF_UNIX, POLLIN, socket, type Address } from "../../src/socket/index.js";
import { FAMILIES, accept_one, connect_client, listening_socket, next_event, wait_for } from "../helpers/net.js";

describe("dispatcher.addr of an accepted connection", () => {
  for (const fam of FAMILIES) {
    describe(fam.name, () => {
      const opened: socket[] = [];
      afterEach(() => {
        for (const s of opened.splice(0)) s.close();
      });

      it("is the peer's address, the same tuple at each read, and stays after the peer resets and the channel closes (as CPython's, read in __init__)", async () => {
        const l = listening_socket(fam);
        opened.push(l);
        const peer = await connect_client(fam.connect_options(l.getsockname()));
        peer.on("error", () => undefined);
        const [ours, accepted] = await accept_one(l);
        opened.push(ours);
        const want: Address =
          fam.family === AF_UNIX ? "" : fam.family === AF_INET6 ? ["::1", peer.localPort!, 0, 0] : ["127.0.0.1", peer.localPort!];
        expect(accepted).to.deep.equal(want);
        const map = new Map();
        const d = new asyncore.dispatcher(ours, map);
        expect(d.connected).to.equal(true);
        const closed = next_event(peer, "close");
        if (fam.family === AF_UNIX) peer.destroy();
        else peer.resetAndDestroy();
        await closed;
        await wait_for(ours, POLLIN);
        d.close();
        expect(d.addr).to.deep.equal(want);
        expect(d.addr).to.equal(d.addr);
        expect(String(d)).to.contain(typeof want === "string" ? "''" : String(want[1]));
        d.addr = null;
        expect(d.addr).to.equal(null);
      });

      it("is None (the class attribute) on a dispatcher over a socket not connected, which is not connected", () => {
        const l = listening_socket(fam);
        opened.push(l);
        const d = new asyncore.dispatcher(l, new Map());
        expect(d.connected).to.equal(false);
        expect(d.addr).to.equal(null);
        expect((asyncore.dispatcher.prototype as { addr: unknown }).addr).to.equal(null);
      });
    });
  }
});
