// A test program: a server that keeps every connection it accepts, to be run under a low `ulimit -n`.
//
//   sh -c 'ulimit -n 64; exec node dist/test/helpers/emfile_server.js'
//
// Prints "port PORT" once listening and "accepted N" (N so far) per connection; log_info goes to
// stdout as usual. A line "release" on stdin closes every kept connection, then prints "released N".
import { createInterface } from "node:readline";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";

const map: asyncore.SocketMap = new Map();
const kept: socket.socket[] = [];
let accepted = 0;

class KeepAll extends asyncore.dispatcher {
  override handle_accepted(sock: socket.socket): void {
    kept.push(sock);
    accepted++;
    console.log(`accepted ${accepted}`);
  }
}

const server = new KeepAll(null, map);
server.create_socket(socket.AF_INET, socket.SOCK_STREAM);
server.bind(["127.0.0.1", 0]);
server.listen(128);
console.log(`port ${String((server.socket as socket.socket).getsockname()[1])}`);

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line !== "release") return;
  const n = kept.length;
  for (const s of kept.splice(0)) s.close();
  console.log(`released ${n}`);
  asyncore.wake(map);
}).on("close", () => {
  asyncore.close_all(map);
});

await asyncore.loop({ timeout: 1, map });
