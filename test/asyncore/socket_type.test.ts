// dispatcher.socket is typed as the real socket (setsockopt, getsockname …) without casts; file_dispatcher's is a file_wrapper.
// Most of this test is that the file compiles: `npx tsc -p .` fails if a cast becomes necessary again.
import { PassThrough } from "node:stream";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { async_chat } from "../../src/asynchat/index.js";
import * as socket from "../../src/socket/index.js";

/** A short server as a user writes it: every socket call through this.socket, no `as`. */
class echo_server extends asyncore.dispatcher {
  constructor(map: asyncore.SocketMap) {
    super(null, map);
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.socket!.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
    this.bind(["127.0.0.1", 0]);
    this.listen(5);
  }

  port(): number {
    const [, port] = this.socket!.getsockname() as socket.Inet4Address;
    return port;
  }
}

class line_channel extends async_chat {
  peer(): socket.Address {
    return this.socket!.getpeername();
  }
}

/** Code that takes any dispatcher (a file_dispatcher too) names `dispatcher<SocketLike>`. */
function fileno_of(d: asyncore.dispatcher<asyncore.SocketLike>): number {
  return d.socket!.fileno();
}

describe("dispatcher.socket's type", () => {
  it("is the socket layer's socket: setsockopt, getsockname and getsockopt need no cast", () => {
    const map: asyncore.SocketMap = new Map();
    try {
      const s = new echo_server(map);
      expect(s.port()).to.be.above(0);
      const sock: socket.socket | null = s.socket;
      expect(sock).to.be.instanceOf(socket.socket);
      expect(sock!.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)).to.equal(1);
      expect(fileno_of(s)).to.equal(sock!.fileno());
      expect(line_channel.prototype.peer).to.be.a("function");
    } finally {
      asyncore.close_all(map);
    }
  });

  it("is a file_wrapper on a file_dispatcher, which still passes as dispatcher<SocketLike>", () => {
    const map: asyncore.SocketMap = new Map();
    try {
      const f = new asyncore.file_dispatcher(new PassThrough(), map);
      const w: asyncore.file_wrapper | null = f.socket;
      expect(w).to.be.instanceOf(asyncore.file_wrapper);
      expect(fileno_of(f)).to.equal(w!.fileno());
    } finally {
      asyncore.close_all(map);
    }
  });
});
