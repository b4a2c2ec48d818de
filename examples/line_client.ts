// A line-protocol client in the manner of nc: an async_chat to the server and a
// file_dispatcher over stdin, in one map. Lines typed on stdin go to the server (ending in
// "\r\n"); lines from the server are printed on stdout.
//
//   node dist/examples/line_client.js [--close] host port
//
// At end of input the client sends what is still queued and then, by default, half-closes
// (shutdown(SHUT_WR), as `nc -N`), printing whatever the server still sends until it closes
// the connection. With --close it calls async_chat.close_when_done() instead and exits as soon
// as the queue is sent. Either way it exits when the server closes the connection.
// Status and errors go to stderr; the exit status is 1 after an error (e.g. connection refused).
import * as asyncore from "asyncore-ts/asyncore";
import * as asynchat from "asyncore-ts/asynchat";
import * as socket from "asyncore-ts/socket";
import { b } from "asyncore-ts";

const CRLF = b`\r\n`;

function family_of(host: string): number {
  return host.includes(":") ? socket.AF_INET6 : socket.AF_INET;
}

/** The connection to the server: "\n"-terminated lines in (a "\r" before it is dropped). */
export class LineChannel extends asynchat.async_chat {
  /** Called with each line from the server, without its line ending. */
  on_line: (line: Buffer) => void = (line) => {
    process.stdout.write(Buffer.concat([line, b`\n`]));
  };
  /** Called once, when the channel closes (the stdin side closes with it). */
  on_close: () => void = () => undefined;
  /** Set when an error ended the session. */
  failed: unknown = null;
  private shutdown_pending = false;
  private closed_once = false;

  constructor(readonly host: string, readonly port: number, map?: asyncore.SocketMap) {
    super(null, map);
    this.set_terminator(b`\n`);
    this.create_socket(family_of(host), socket.SOCK_STREAM);
    this.connect([host, port]);
  }

  override handle_connect(): void {
    process.stderr.write(`connected to ${this.host}:${this.port}\n`);
  }

  override collect_incoming_data(data: Buffer): void {
    this._collect_incoming_data(data);
  }

  override found_terminator(): void {
    let line = this._get_data();
    if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    this.on_line(line);
  }

  /** Send one line (the "\r\n" is added). */
  send_line(line: Buffer): void {
    this.push(Buffer.concat([line, CRLF]));
  }

  /** Send what is queued, then shutdown(SHUT_WR); reading goes on until the server closes. */
  shutdown_when_done(): void {
    this.shutdown_pending = true;
    this.maybe_shutdown();
  }

  override initiate_send(): void {
    super.initiate_send();
    this.maybe_shutdown();
  }

  private maybe_shutdown(): void {
    if (!this.shutdown_pending || !this.connected || this.producer_fifo.length) return;
    this.shutdown_pending = false;
    this.socket!.shutdown(socket.SHUT_WR);
  }

  override handle_close(): void {
    // Whatever is left without a final newline is still a line.
    const rest = this._get_data();
    if (rest.length) this.on_line(rest);
    this.close();
  }

  override handle_error(err?: unknown): void {
    const e = err ?? asyncore.current_error();
    this.failed = e;
    process.stderr.write(`line_client: ${e instanceof Error ? e.message : String(e)}\n`);
    this.close();
  }

  override close(): void {
    super.close();
    if (!this.closed_once) {
      this.closed_once = true;
      this.on_close();
    }
  }
}

/** stdin (or any readable fd/stream) as lines pushed to the channel. */
export class InputReader extends asyncore.file_dispatcher {
  private partial: Buffer = Buffer.alloc(0);

  constructor(
    source: asyncore.FileSource,
    readonly channel: LineChannel,
    readonly close_on_eof = false,
    map?: asyncore.SocketMap,
  ) {
    super(source, map);
  }

  override writable(): boolean {
    return false;
  }

  override handle_read(): void {
    const data = this.recv(8192); // b"" at end of input: recv() has called handle_close
    if (!data.length) return;
    let buf = this.partial.length ? Buffer.concat([this.partial, data]) : data;
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      let line = buf.subarray(0, nl);
      if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
      this.channel.send_line(line);
      buf = buf.subarray(nl + 1);
    }
    this.partial = Buffer.from(buf);
  }

  /** End of input: flush a last unterminated line, then finish the conversation. */
  override handle_close(): void {
    if (this.partial.length) {
      this.channel.send_line(this.partial);
      this.partial = Buffer.alloc(0);
    }
    this.close();
    if (!this.channel.connected && !this.channel.connecting) return;
    if (this.close_on_eof) this.channel.close_when_done();
    else this.channel.shutdown_when_done();
  }
}

export interface ClientOptions {
  host: string;
  port: number;
  /** Input source (default 0, stdin). */
  input?: asyncore.FileSource;
  /** Use close_when_done() at end of input instead of a half-close. */
  close_on_eof?: boolean;
  map?: asyncore.SocketMap;
}

/** Build the two dispatchers in `map`; run with `await asyncore.loop({ map })`. */
export function start(opts: ClientOptions): { channel: LineChannel; input: InputReader } {
  const channel = new LineChannel(opts.host, opts.port, opts.map);
  const input = new InputReader(opts.input ?? 0, channel, opts.close_on_eof ?? false, opts.map);
  channel.on_close = () => {
    if (input.socket && input._fileno !== null) input.close();
  };
  return { channel, input };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const close_on_eof = args[0] === "--close";
  if (close_on_eof) args.shift();
  if (args.length !== 2 || !/^\d+$/.test(args[1]!)) {
    process.stderr.write("usage: line_client [--close] host port\n");
    process.exit(2);
  }
  const { channel } = start({ host: args[0]!, port: Number(args[1]), close_on_eof });
  await asyncore.loop({ timeout: 30 });
  if (channel.failed) process.exitCode = 1;
}
