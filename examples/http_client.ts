// The asyncore documentation's basic HTTP client, ported line by line.
//
//   node dist/examples/http_client.js http://127.0.0.1:8080/path    (or: host [path])
import { isIP } from "node:net";
import * as asyncore from "asyncore-ts/asyncore";
import * as socket from "asyncore-ts/socket";

/** Where handle_read's print goes: the raw bytes on stdout unless a test passes its own. */
export type Print = (data: Buffer) => void;
const stdout_print: Print = (data) => void process.stdout.write(data);

export class HTTPClient extends asyncore.dispatcher {
  buffer: Buffer;

  constructor(
    host: string,
    path: string,
    port = 80,
    map?: asyncore.SocketMap | null,
    readonly print: Print = stdout_print,
  ) {
    super(null, map);
    this.create_socket(isIP(host) === 6 ? socket.AF_INET6 : socket.AF_INET, socket.SOCK_STREAM);
    this.connect([host, port]);
    this.buffer = Buffer.from(`GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`, "ascii");
  }

  override handle_connect(): void {}

  override handle_close(): void {
    this.close();
  }

  override handle_read(): void {
    this.print(this.recv(8192));
  }

  override writable(): boolean {
    return this.buffer.length > 0;
  }

  override handle_write(): void {
    const sent = this.send(this.buffer);
    this.buffer = this.buffer.subarray(sent);
  }
}

/** `http://host[:port]/path`, or `host [path]`, as given on the command line. */
export function parse_target(args: readonly string[]): [host: string, path: string, port: number] {
  const first = args[0] ?? "www.python.org";
  if (first.includes("://")) {
    const u = new URL(first);
    const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
    return [host, `${u.pathname}${u.search}` || "/", u.port ? Number(u.port) : 80];
  }
  return [first, args[1] ?? "/", args[2] ? Number(args[2]) : 80];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [host, path, port] = parse_target(process.argv.slice(2));
  new HTTPClient(host, path, port);
  await asyncore.loop();
}
