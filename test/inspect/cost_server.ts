// The server behind the inspector's cost figures (ARCHITECTURE.md, "What the inspector costs"); not a test.
//
// node dist/test/inspect/cost_server.js MODE LOOP BYTES: an echo server (dispatcher_with_send)
// that exits once it has echoed BYTES bytes. MODE: "none" (the inspect layer is not even
// imported), "idle" (an inspector in the map, nobody watching), "watched" (the client also
// reads /events), "observer" (a do-nothing loop observer, no inspector), "observer-fds" (the same
// with reprs: false). LOOP: select or poll. Prints "ECHO_PORT INSPECTOR_PORT" (0 without one).
// Run under `valgrind --tool=callgrind node --single-threaded ...`, driven by cost_client.js.
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";

const [mode = "none", loop = "poll", total = "0"] = process.argv.slice(2);
const want = Number(total);
let echoed = 0;

class Echo extends asyncore.dispatcher_with_send {
  override handle_read(): void {
    const d = this.recv(8192);
    if (d.length === 0) return;
    this.send(d);
    echoed += d.length;
    if (echoed >= want) asyncore.close_all();
  }
  override handle_close(): void {
    this.close();
  }
}

class Server extends asyncore.dispatcher {
  constructor() {
    super();
    this.create_socket(socket.AF_INET);
    this.set_reuse_addr();
    this.bind(["127.0.0.1", 0]);
    this.listen(1024);
  }
  override handle_accepted(sock: socket.socket): void {
    new Echo(sock);
  }
}

const server = new Server();
let inspector_port = 0;
if (mode === "observer") asyncore.add_observer(() => undefined);
else if (mode === "observer-fds") asyncore.add_observer(() => undefined, { reprs: false });
else if (mode !== "none") {
  const { inspect } = await import("../../src/inspect/index.js");
  inspector_port = (inspect({}).address as [string, number])[1];
}
console.log(`${(server.socket!.getsockname() as [string, number])[1]} ${inspector_port}`);
await asyncore.loop({ timeout: 1, use_poll: loop === "poll" });
