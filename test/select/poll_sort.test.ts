// poll() answers in the order of registration (CPython's: a dict's order), each fd with its own revents, however many are ready.
import { expect } from "chai";
import * as select from "../../src/select/index.js";
import type * as socket from "../../src/socket/index.js";
import { fresh_sockets } from "../helpers/fresh_sockets.js";

describe("select.poll: the answer's order and revents with many ready", () => {
  const fresh = fresh_sockets();

  for (const n of [3, 17, 40, 150]) {
    it(`${n} ready fds with three different revents, registered out of fd order: in registration order, each with its own revents`, async () => {
      const socks = fresh(n);
      // A fresh stream socket is OUT|HUP; registered for POLLIN it reports HUP alone; a closed one NVAL.
      const masks = [select.POLLOUT, select.POLLIN, select.POLLOUT];
      const p = new select.poll();
      const want: Array<[number, number]> = [];
      const order = socks.map((s, i) => [s, i] as [socket.socket, number]).reverse().sort((a, b) => (a[1] % 5) - (b[1] % 5));
      for (const [s, i] of order) {
        const fd = s.fileno();
        p.register(fd, masks[i % 3]!);
        if (i % 3 === 2) s.close();
        want.push([fd, i % 3 === 0 ? select.POLLOUT | select.POLLHUP : i % 3 === 1 ? select.POLLHUP : select.POLLNVAL]);
      }
      expect(await p.poll(0)).to.deep.equal(want);
      // Again (the kept arrays and keys reused), and after one fd left.
      expect(await p.poll(0)).to.deep.equal(want);
      p.unregister(want[1]![0]);
      expect(await p.poll(0)).to.deep.equal(want.filter((_, j) => j !== 1));
    });
  }
});
