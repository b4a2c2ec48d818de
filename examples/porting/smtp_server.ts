// A small SMTP server in classic asyncore/asynchat style, after CPython's smtpd.
// Usage: node smtp_server.js [port [data_size_limit]]; prints the bound port.
import * as asynchat from "asyncore-ts/asynchat";
import * as asyncore from "asyncore-ts/asyncore";
import * as codecs from "asyncore-ts/codecs";
import { createHash } from "node:crypto";
import * as socket from "asyncore-ts/socket";
import * as os from "node:os";
import { b } from "asyncore-ts";

export const __version__ = "Python SMTP proxy version 0.3";
export const SYNTAX: Record<string, string> = {
  EHLO: "EHLO hostname", HELO: "HELO hostname", MAIL: "MAIL FROM: <address>",
  RCPT: "RCPT TO: <address>", DATA: "DATA", RSET: "RSET", NOOP: "NOOP",
  QUIT: "QUIT", VRFY: "VRFY <address>",
};

/** Python's str.partition(sep). */
function partition(s: string, sep: string): [string, string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, "", ""] : [s.slice(0, i), sep, s.slice(i + sep.length)];
}

/** 'FROM:<a@b> SIZE=10' -> ['a@b', Map {'SIZE' => '10'}]; ['', Map {}] when malformed. */
export function parse_path(keyword: string, arg: string | null): [string, Map<string, string>] {
  if (!arg || arg.slice(0, keyword.length).toUpperCase() !== keyword || !arg.slice(keyword.length).trim()) {
    return ["", new Map()];
  }
  let [address, ...words] = arg.slice(keyword.length).trim().split(/\s+/);
  if (address.startsWith("<") && address.endsWith(">")) {
    address = address.slice(1, -1) || "<>";
  }
  const params = words.map((word) => partition(word.toUpperCase(), "="));
  return [address, new Map(params.map(([key, , value]) => [key, value] as const))];
}

export class SMTPChannel extends asynchat.async_chat {
  readonly COMMAND = 0;
  readonly DATA = 1;
  command_size_limit = 512;
  smtp_server: SMTPServer;
  peer: socket.Address;
  seen_greeting: string;
  extended_smtp: boolean;
  received_lines: Buffer[];
  smtp_state!: number;
  mailfrom!: string | null;
  rcpttos!: string[];
  num_bytes!: number;

  constructor(server: SMTPServer, conn: socket.socket, addr: socket.Address) {
    super(conn);
    this.smtp_server = server;
    this.peer = addr;
    this.seen_greeting = "";
    this.extended_smtp = false;
    this.received_lines = [];
    this.reset_state();
    this.push(`220 ${server.fqdn} ${__version__}`);
  }

  reset_state(): void {
    this.smtp_state = this.COMMAND;
    this.mailfrom = null;
    this.rcpttos = [];
    this.num_bytes = 0;
    this.set_terminator(b`\r\n`);
  }

  override push(msg: string | socket.BytesLike): void {
    super.push(typeof msg === "string" ? codecs.encode(msg + "\r\n") : msg);
  }

  override collect_incoming_data(data: Buffer): void {
    const in_data = this.smtp_state === this.DATA;
    const limit = in_data ? this.smtp_server.data_size_limit : this.command_size_limit;
    if (this.num_bytes <= limit) {
      this.received_lines.push(data);
    }
    this.num_bytes += data.length;
  }

  override found_terminator(): void {
    const line = Buffer.concat(this.received_lines);
    this.received_lines = [];
    if (this.smtp_state === this.DATA) {
      if (this.num_bytes > this.smtp_server.data_size_limit) {
        this.push("552 Error: Too much mail data");
      } else {
        const lines = line.toString("latin1").split("\r\n")
          .map((text) => (text.startsWith(".") ? text.slice(1) : text));
        const status = this.smtp_server.process_message(
          this.peer, this.mailfrom!, this.rcpttos, b(lines.join("\n")));
        this.push(status || "250 OK");
      }
      this.reset_state();
      return;
    }
    const too_long = this.num_bytes > this.command_size_limit;
    this.num_bytes = 0;
    const [text, , rest] = partition(codecs.decode(line, "latin-1"), " ");
    const [command, arg] = [text.toUpperCase(), rest.trim() || null];
    const method = (this as unknown as Record<string, unknown>)["smtp_" + command];
    if (!line.length) {
      this.push("500 Error: bad syntax");
    } else if (too_long) {
      this.push("500 Error: line too long");
    } else if (typeof method !== "function") {
      this.push(`500 Error: command "${command}" not recognized`);
    } else if (["MAIL", "RCPT", "DATA"].includes(command) && !this.seen_greeting) {
      this.push("503 Error: send HELO first");
    } else {
      method.call(this, arg);
    }
  }

  smtp_HELO(arg: string | null): void {
    if (!arg) {
      this.push("501 Syntax: HELO hostname");
    } else if (this.seen_greeting) {
      this.push("503 Duplicate HELO/EHLO");
    } else {
      this.seen_greeting = arg;
      this.push(`250 ${this.smtp_server.fqdn}`);
    }
  }

  smtp_EHLO(arg: string | null): void {
    if (!arg) {
      this.push("501 Syntax: EHLO hostname");
    } else if (this.seen_greeting) {
      this.push("503 Duplicate HELO/EHLO");
    } else {
      this.seen_greeting = arg;
      this.extended_smtp = true;
      this.push(`250-${this.smtp_server.fqdn}`);
      this.push(`250-SIZE ${this.smtp_server.data_size_limit}`);
      this.push("250-8BITMIME");
      this.push("250 HELP");
    }
  }

  smtp_MAIL(arg: string | null): void {
    const [address, params] = parse_path("FROM:", arg);
    const size = params.get("SIZE") ?? "0";
    if (this.mailfrom) {
      this.push("503 Error: nested MAIL command");
    } else if (!address || !/^[0-9]+$/.test(size) || (params.size && !this.extended_smtp)) {
      this.push("501 Syntax: MAIL FROM: <address>");
    } else if (Number(size) > this.smtp_server.data_size_limit) {
      this.push("552 Error: message size exceeds fixed maximum message size");
    } else {
      this.mailfrom = address;
      this.push("250 OK");
    }
  }

  smtp_RCPT(arg: string | null): void {
    const [address, params] = parse_path("TO:", arg);
    if (!this.mailfrom) {
      this.push("503 Error: need MAIL command");
    } else if (!address || params.size) {
      this.push("501 Syntax: RCPT TO: <address>");
    } else {
      this.rcpttos.push(address);
      this.push("250 OK");
    }
  }

  smtp_DATA(arg: string | null): void {
    if (!this.rcpttos.length) {
      this.push("503 Error: need RCPT command");
    } else if (arg) {
      this.push("501 Syntax: DATA");
    } else {
      this.smtp_state = this.DATA;
      this.set_terminator(b`\r\n.\r\n`);
      this.push("354 End data with <CR><LF>.<CR><LF>");
    }
  }

  smtp_RSET(arg: string | null): void {
    if (arg) {
      this.push("501 Syntax: RSET");
    } else {
      this.reset_state();
      this.push("250 OK");
    }
  }

  smtp_NOOP(arg: string | null): void {
    this.push(arg ? "501 Syntax: NOOP" : "250 OK");
  }

  smtp_QUIT(arg: string | null): void {
    this.push("221 Bye");
    this.close_when_done();
  }

  smtp_VRFY(arg: string | null): void {
    const [address, params] = parse_path("", arg);
    if (address && !params.size) {
      this.push("252 Cannot VRFY user, but will accept message and attempt delivery");
    } else {
      this.push("501 Syntax: VRFY <address>");
    }
  }

  smtp_HELP(arg: string | null): void {
    if (arg && Object.hasOwn(SYNTAX, arg.toUpperCase())) {
      this.push("250 Syntax: " + SYNTAX[arg.toUpperCase()]);
    } else {
      this.push(`${arg ? 501 : 250} Supported commands: ${Object.keys(SYNTAX).join(" ")}`);
    }
  }
}

export class SMTPServer extends asyncore.dispatcher {
  data_size_limit: number;
  fqdn: string;

  constructor(localaddr: [string, number], data_size_limit = 33554432) {
    super();
    this.data_size_limit = data_size_limit;
    this.fqdn = os.hostname();
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind(localaddr);
    this.listen(5);
  }

  override handle_accepted(conn: socket.socket, addr: socket.Address): void {
    new SMTPChannel(this, conn, addr);
  }

  process_message(peer: socket.Address, mailfrom: string, rcpttos: string[], data: Buffer): string | void {
    const digest = createHash("sha256").update(data).digest("hex").slice(0, 16);
    console.log(`${socket.format_address(peer)}: ${mailfrom} -> ${rcpttos.join(", ")}, ${data.length} bytes, `
      + `sha256 ${digest}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = process.argv.length > 2 ? Number(process.argv[2]) : 8025;
  const limit = process.argv.length > 3 ? Number(process.argv[3]) : 33554432;
  const server = new SMTPServer(["127.0.0.1", port], limit);
  console.log(server.socket!.getsockname()[1]);
  await asyncore.loop();
}
