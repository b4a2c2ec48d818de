// The dummy POP3 server of CPython's test suite (Lib/test/test_poplib.py, PSF License), ported
// line by line from examples/porting/pop3_server.py. Usage: node pop3_server.js [port]; prints the bound port.
import * as asynchat from "asyncore-ts/asynchat";
import * as asyncore from "asyncore-ts/asyncore";
import * as codecs from "asyncore-ts/codecs";
import * as socket from "asyncore-ts/socket";
import { b } from "asyncore-ts";

export const SUPPORTS_SSL = false;

// the dummy data returned by server when LIST and RETR commands are issued
export const LIST_RESP = b`1 1\r\n2 2\r\n3 3\r\n4 4\r\n5 5\r\n.\r\n`;
export const RETR_RESP = b`From: postmaster@python.org\
\r\nContent-Type: text/plain\r\n\
MIME-Version: 1.0\r\n\
Subject: Dummy\r\n\
\r\n\
line1\r\n\
line2\r\n\
line3\r\n\
.\r\n`;

export class DummyPOP3Handler extends asynchat.async_chat {

  static CAPAS: Record<string, string[]> = { UIDL: [], IMPLEMENTATION: ["python-testlib-pop-server"] };
  static enable_UTF8 = false;
  in_buffer: Buffer[];
  tls_active: boolean;
  tls_starting: boolean;

  constructor(conn: socket.socket) {
    super(conn);
    this.set_terminator(b`\r\n`);
    this.in_buffer = [];
    this.push("+OK dummy pop3 server ready. <timestamp>");
    this.tls_active = false;
    this.tls_starting = false;
  }

  override collect_incoming_data(data: Buffer): void {
    this.in_buffer.push(data);
  }

  override found_terminator(): void {
    const bytes = Buffer.concat(this.in_buffer);
    const line = codecs.decode(bytes, "ISO-8859-1");
    this.in_buffer = [];
    const cmd = line.split(" ")[0].toLowerCase();
    const space = line.indexOf(" ");
    let arg: string;
    if (space !== -1) {
      arg = line.slice(space + 1);
    } else {
      arg = "";
    }
    if (typeof (this as unknown as Record<string, unknown>)["cmd_" + cmd] === "function") {
      const method = (this as unknown as Record<string, (arg: string) => void>)["cmd_" + cmd];
      method.call(this, arg);
    } else {
      this.push(`-ERR unrecognized POP3 command "${cmd}".`);
    }
  }

  override handle_error(err: unknown = asyncore.current_error()): void {
    throw err;
  }

  override push(data: string | socket.BytesLike): void {
    super.push(typeof data === "string" ? Buffer.concat([codecs.encode(data, "ISO-8859-1"), b`\r\n`]) : data);
  }

  cmd_echo(arg: string): void {
    // sends back the received string (used by the test suite)
    this.push(arg);
  }

  cmd_user(arg: string): void {
    if (arg !== "guido") {
      this.push("-ERR no such user");
    }
    this.push("+OK password required");
  }

  cmd_pass(arg: string): void {
    if (arg !== "python") {
      this.push("-ERR wrong password");
    }
    this.push("+OK 10 messages");
  }

  cmd_stat(arg: string): void {
    this.push("+OK 10 100");
  }

  cmd_list(arg: string): void {
    if (arg) {
      this.push(`+OK ${arg} ${arg}`);
    } else {
      this.push("+OK");
      super.push(LIST_RESP);
    }
  }

  cmd_uidl(arg: string): void { this.cmd_list(arg); }

  cmd_retr(arg: string): void {
    this.push(`+OK ${RETR_RESP.length} bytes`);
    super.push(RETR_RESP);
  }

  cmd_top(arg: string): void { this.cmd_retr(arg); }

  cmd_dele(arg: string): void {
    this.push("+OK message marked for deletion.");
  }

  cmd_noop(arg: string): void {
    this.push("+OK done nothing.");
  }

  cmd_rpop(arg: string): void {
    this.push("+OK done nothing.");
  }

  cmd_apop(arg: string): void {
    this.push("+OK done nothing.");
  }

  cmd_quit(arg: string): void {
    this.push("+OK closing.");
    this.close_when_done();
  }

  _get_capas(): Record<string, string[]> {
    const _capas = { ...(this.constructor as typeof DummyPOP3Handler).CAPAS };
    if (!this.tls_active && SUPPORTS_SSL) {
      _capas["STLS"] = [];
    }
    return _capas;
  }

  cmd_capa(arg: string): void {
    this.push("+OK Capability list follows");
    if (Object.keys(this._get_capas()).length) {
      for (const [cap, params] of Object.entries(this._get_capas())) {
        const _ln = [cap];
        if (params.length) {
          _ln.push(...params);
        }
        this.push(_ln.join(" "));
      }
    }
    this.push(".");
  }

  cmd_utf8(arg: string): void {
    this.push((this.constructor as typeof DummyPOP3Handler).enable_UTF8
      ? "+OK I know RFC6856"
      : "-ERR What is UTF8?!");
  }
}

export class DummyPOP3Server extends asyncore.dispatcher {

  handler = DummyPOP3Handler;
  host: string;
  port: number;
  handler_instance: DummyPOP3Handler | null;

  constructor(address: [string, number], af = socket.AF_INET) {
    super();
    this.create_socket(af, socket.SOCK_STREAM);
    this.bind(address);
    this.listen(5);
    [this.host, this.port] = this.socket!.getsockname() as [string, number];
    this.handler_instance = null;
  }

  override handle_accepted(conn: socket.socket, addr: socket.Address): void {
    this.handler_instance = new this.handler(conn);
  }

  override handle_connect(): void {
    this.close();
  }
  override handle_read(): void { this.handle_connect(); }

  override writable(): boolean {
    return false;
  }

  override handle_error(err: unknown = asyncore.current_error()): void {
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = new DummyPOP3Server(["127.0.0.1", process.argv.length > 2 ? Number(process.argv[2]) : 0]);
  console.log(server.port);
  await asyncore.loop();
}
