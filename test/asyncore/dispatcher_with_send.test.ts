// dispatcher_with_send's out_buffer: many sends to a slow peer queue in order, without re-copying the backlog.
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { SOL_SOCKET, SO_SNDBUF } from "../../src/socket/index.js";
import { FAMILIES, accept_one, connect_client, listening_socket, pattern, receive_exactly } from "../helpers/net.js";
import { loop_until } from "../helpers/asyncore.js";

const fam = FAMILIES[0]!;

describe("dispatcher_with_send out_buffer", () => {
  it("keeps 5,000 small sends in order while the peer reads nothing, and delivers them byte-exact", async () => {
    const map: asyncore.SocketMap = new Map();
    const listener = listening_socket(fam);
    const peer = await connect_client(fam.connect_options(listener.getsockname()));
    peer.pause();
    const [sock] = await accept_one(listener);
    sock.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    const d = new asyncore.dispatcher_with_send(sock, map);
    try {
      const data = pattern(5000 * 100, 3);
      for (let i = 0; i < 5000; i++) d.send(data.subarray(i * 100, (i + 1) * 100));
      const queued = d.out_buffer.length;
      expect(queued).to.be.greaterThan(0);
      expect(d.writable()).to.equal(true);
      expect(d.out_buffer.equals(data.subarray(data.length - queued))).to.equal(true);
      peer.resume();
      const got = receive_exactly(peer, data.length, 20000);
      await loop_until(() => d.out_buffer.length === 0, { map, use_poll: true, ms: 20000 });
      expect((await got).equals(data)).to.equal(true);
      expect(d.writable()).to.equal(false);
    } finally {
      asyncore.close_all(map);
      listener.close();
      peer.destroy();
    }
  });

  it("can be read and replaced as Python code does with self.out_buffer", () => {
    const d = new asyncore.dispatcher_with_send(null, new Map());
    expect(d.out_buffer.length).to.equal(0);
    d.out_buffer = Buffer.from("abc");
    expect(d.out_buffer.toString()).to.equal("abc");
    d.out_buffer = Buffer.alloc(0);
    expect(d.out_buffer.length).to.equal(0);
  });
});
