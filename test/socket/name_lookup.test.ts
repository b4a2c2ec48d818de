// connect() to a host name that does not resolve: socket.gaierror with getaddrinfo's text, never a negative SO_ERROR (issue 9, item 5).
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { AF_INET, POLLERR, POLLOUT, SOCK_STREAM, SOL_SOCKET, SO_ERROR, gaierror, socket } from "../../src/socket/index.js";
import { thrown, wait_for } from "../helpers/net.js";

/** RFC 6761: ".invalid" never resolves, and this machine has no resolver beyond loopback anyway. */
const NOWHERE = ["nonexistent.invalid", 80] as const;

function expect_gaierror(e: unknown): void {
  expect(e).to.be.instanceOf(gaierror);
  const g = e as gaierror;
  // CPython 3.11: socket.gaierror(-2, 'Name or service not known'), str "[Errno -2] Name or service not known".
  expect(g.errno).to.equal(-2);
  expect(g.strerror).to.equal("Name or service not known");
  expect(g.message).to.equal("[Errno -2] Name or service not known");
}

describe("socket: connect() to a name that does not resolve", () => {
  it("reports gaierror(-2) at the next call that reads the error, SO_ERROR raising it rather than reading -2", async () => {
    const s = new socket(AF_INET, SOCK_STREAM);
    try {
      // The lookup is asynchronous here (CPython's fails inside connect()): connect() starts it.
      expect(s.connect_ex(NOWHERE)).to.equal(115 /* EINPROGRESS */);
      await wait_for(s, POLLOUT | POLLERR);
      expect_gaierror(thrown(() => s.getsockopt(SOL_SOCKET, SO_ERROR), gaierror));
      // Reported once, as a pending error is.
      expect(s.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
    } finally {
      s.close();
    }
  });

  it("connect_ex() after the failed lookup raises the gaierror, as CPython's connect_ex does", async () => {
    const s = new socket(AF_INET, SOCK_STREAM);
    try {
      s.connect_ex(NOWHERE);
      await wait_for(s, POLLOUT | POLLERR);
      expect_gaierror(thrown(() => s.connect_ex(NOWHERE), gaierror));
    } finally {
      s.close();
    }
  });

  for (const use_poll of [false, true]) {
    it(`a dispatcher's handle_error gets the gaierror (${use_poll ? "poll" : "select"} loop)`, async () => {
      const map: asyncore.SocketMap = new Map();
      const seen: unknown[] = [];
      class Client extends asyncore.dispatcher {
        constructor() {
          super(null, map);
          this.create_socket(AF_INET, SOCK_STREAM);
          this.connect(NOWHERE);
        }
        override handle_error(err: unknown): void {
          seen.push(err);
          this.close();
        }
      }
      new Client();
      await asyncore.loop(1, use_poll, map, 50);
      expect(map.size).to.equal(0);
      expect(seen).to.have.length(1);
      expect_gaierror(seen[0]);
    });
  }
});
