// The listener most tests start from: a dispatcher listening on 127.0.0.1 and a free port, in a given map.
import * as asyncore from "../../src/asyncore/index.js";

/** Subclasses say what an accepted socket becomes (handle_accepted). */
export class LoopbackListener extends asyncore.dispatcher {
  constructor(map: asyncore.SocketMap) {
    super(null, map);
    this.create_socket();
    this.bind(["127.0.0.1", 0]);
    this.listen(5);
  }
}
