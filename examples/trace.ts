// `npm run trace -- <example>`: runs a scripted session of an example and prints the loop's timeline.
import * as asyncore from "asyncore-ts/asyncore";
import * as socket from "asyncore-ts/socket";
import { b } from "asyncore-ts";
import { EchoServer } from "./echo_server.js";

/** A scripted session: sets up channels in `map`; the loop runs until the map is empty. */
type Session = (map: asyncore.SocketMap) => void;

/** Sends each line, waits for it to come back, then closes itself and the server. */
class EchoClient extends asyncore.dispatcher_with_send {
  private readonly lines: Buffer[];
  private got = Buffer.alloc(0);

  constructor(address: socket.Address, lines: Buffer[], private readonly server: asyncore.dispatcher, map: asyncore.SocketMap) {
    super(null, map);
    this.lines = [...lines];
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.connect(address);
  }

  override handle_connect(): void {
    this.send(this.lines[0] as Buffer);
  }

  override handle_read(): void {
    this.got = Buffer.concat([this.got, this.recv(8192)]);
    const want = this.lines[0] as Buffer;
    if (this.got.length < want.length) return;
    this.got = this.got.subarray(want.length);
    this.lines.shift();
    const next = this.lines[0];
    if (next) {
      this.send(next);
    } else {
      this.close();
      this.server.close();
    }
  }

  override handle_close(): void {
    this.close();
  }
}

const sessions: Record<string, { readonly about: string; readonly run: Session }> = {
  echo: {
    about: "the echo server of the asyncore documentation, and a client sending two lines",
    run(map) {
      const server = new EchoServer("127.0.0.1", 0, map);
      const addr = (server.socket as socket.socket).getsockname();
      new EchoClient(addr, [b`hello\n`, b`world\n`], server, map);
    },
  },
};

/** Run a session with the loop observed; resolves to the printed timeline. */
export async function trace_session(name: string, use_poll: boolean, print: (line: string) => void): Promise<void> {
  const session = sessions[name];
  if (!session) throw new Error(`unknown example '${name}'; try: ${Object.keys(sessions).join(", ")}`);
  const map: asyncore.SocketMap = new Map();
  print(`trace of '${name}': ${session.about} (${use_poll ? "poll" : "select"} loop)`);
  const stop = asyncore.add_observer((t) => {
    if (t.map === map) print(asyncore.format_iteration(t));
  });
  try {
    session.run(map);
    await asyncore.loop({ timeout: 5, use_poll, map });
  } finally {
    stop();
    asyncore.close_all(map);
  }
  print(`map empty after ${asyncore.iterations(map)} iterations`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const name = args.find((a) => !a.startsWith("-")) ?? "echo";
  await trace_session(name, args.includes("--poll"), (line) => console.log(line));
}
