// An SMTP server in the spirit of CPython's smtpd.SMTPServer/SMTPChannel (removed in 3.12):
// an asyncore listener plus one async_chat per client, with the same commands, the same reply
// texts and the same process_message(peer, mailfrom, rcpttos, data, kwargs) hook.
//
// Commands: HELO, EHLO (advertises SIZE and 8BITMIME), MAIL FROM (SIZE= and BODY= params),
// RCPT TO, DATA (ended by <CRLF>.<CRLF>, dot-unstuffed), RSET, NOOP, QUIT, VRFY, HELP, EXPN.
// Not ported: decode_data, SMTPUTF8, and the proxy/mailman servers.
//
// Not in smtpd: STARTTLS (RFC 3207), when the server has a `tls_context`. EHLO advertises it;
// "220 Ready to start TLS" goes out in the clear, then the channel's socket is wrapped
// (examples/ssl_connection.ts) and the session starts over: no greeting seen, no transaction,
// and the client must EHLO again. Commands pipelined behind STARTTLS are dropped, not run.
// Without a context STARTTLS is answered "454 TLS not available" (as aiosmtpd does), with TLS
// already on "503 Error: TLS already active".
//
// Deliberate deviations from CPython 3.11's smtpd, both bugs there:
// - after "552 Error: Too much mail data" CPython stays in the DATA state (every later command
//   is read as mail data); here the transaction is aborted and the channel takes commands again;
// - CPython's command_size_limits is a class-level dict shared by every channel; here it is
//   per channel.
import * as os from "node:os";
import * as asyncore from "asyncore-ts/asyncore";
import * as asynchat from "asyncore-ts/asynchat";
import type * as ssl from "asyncore-ts/ssl";
import * as socket from "asyncore-ts/socket";
import * as errno from "asyncore-ts/errno";
import { b } from "asyncore-ts";
import { SSLConnection, server_context } from "./ssl_connection.js";
import { take_server_flags, type ServerFlags } from "./server_flags.js";

export const __version__ = "Python SMTP proxy version 0.3";
export const DATA_SIZE_DEFAULT = 33554432;

const CRLF = b`\r\n`;
const DOT = 0x2e;

export interface MessageOptions {
  /** MAIL FROM parameters, upper-cased, e.g. ["BODY=8BITMIME", "SIZE=1234"]. */
  mail_options: string[];
  /** The parameters of the last RCPT TO, upper-cased. */
  rcpt_options: string[];
}

/**
 * Split an address argument into [address, rest], as smtpd's _getaddr does: "<addr> rest"
 * (angle brackets, quoted strings allowed inside; "<>" is the null sender) or "addr rest".
 */
export function getaddr(arg: string | null): [string, string] {
  if (!arg) return ["", ""];
  const s = arg.trimStart();
  if (s.startsWith("<")) {
    let i = 1;
    let quoted = false;
    for (; i < s.length; i++) {
      const c = s[i];
      if (quoted) {
        if (c === "\\") i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') {
        quoted = true;
      } else if (c === ">") {
        break;
      } else if (c === "<" || /\s/.test(c!)) {
        return ["", s];
      }
    }
    if (i >= s.length) return ["", s];
    const inner = s.slice(1, i);
    return [inner === "" ? "<>" : inner, s.slice(i + 1)];
  }
  let i = 0;
  let quoted = false;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (/\s/.test(c) || c === "<" || c === ">") {
      break;
    }
  }
  const address = s.slice(0, i);
  if (quoted || !/^.+@.+$|^[^@]+$/.test(address)) return ["", s];
  return [address, s.slice(i)];
}

/** RFC 1869 parameters as a map; null when one is malformed (smtpd's _getparams). */
function getparams(params: string[]): Map<string, string | true> | null {
  const out = new Map<string, string | true>();
  for (const p of params) {
    const eq = p.indexOf("=");
    const key = eq < 0 ? p : p.slice(0, eq);
    const value = eq < 0 ? "" : p.slice(eq + 1);
    if (!/^[A-Za-z0-9]+$/.test(key) || (eq >= 0 && !value)) return null;
    out.set(key, eq < 0 ? true : value);
  }
  return out;
}

/** Undo dot-stuffing (RFC 5321 4.5.2) and join the lines with `newline`. */
export function unstuff(data: Buffer, newline: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (;;) {
    const end = data.indexOf(CRLF, start);
    const line = data.subarray(start, end < 0 ? data.length : end);
    if (parts.length) parts.push(newline);
    parts.push(line.length && line[0] === DOT ? line.subarray(1) : line);
    if (end < 0) break;
    start = end + 2;
  }
  return Buffer.concat(parts);
}

export const enum State {
  COMMAND = 0,
  DATA = 1,
}

export class SMTPChannel extends SSLConnection {
  static readonly COMMAND = State.COMMAND;
  static readonly DATA = State.DATA;

  /** Longest command line, in bytes, unless a command has its own limit. */
  command_size_limit = 512;
  readonly command_size_limits = new Map<string, number>();
  /**
   * What joins the lines of a message handed to process_message: "\n" as CPython's smtpd
   * ("removes extraneous carriage returns"); set b"\r\n" to get the message as it was on the wire.
   */
  data_linesep: Buffer = b`\n`;

  smtp_state: State = State.COMMAND;
  seen_greeting = "";
  extended_smtp = false;
  mailfrom: string | null = null;
  rcpttos: string[] = [];
  mail_options: string[] = [];
  rcpt_options: string[] = [];
  received_lines: Buffer[] = [];
  received_data: Buffer = Buffer.alloc(0);
  num_bytes = 0;
  fqdn: string;
  peer: socket.Address | null = null;

  constructor(
    readonly smtp_server: SMTPServer,
    readonly conn: socket.socket,
    addr: socket.Address,
    public data_size_limit: number = DATA_SIZE_DEFAULT,
    map?: asyncore.SocketMap,
  ) {
    super(conn, map);
    this.addr = addr;
    this.fqdn = smtp_server.fqdn;
    this._set_rset_state();
    try {
      this.peer = conn.getpeername();
    } catch (err) {
      // The peer may already have gone; CPython re-raises anything but ENOTCONN.
      this.close();
      if ((err as { errno?: number }).errno !== errno.ENOTCONN) throw err;
      return;
    }
    this.push(`220 ${this.fqdn} ${__version__}`);
  }

  get max_command_size_limit(): number {
    return this.command_size_limits.size ? Math.max(...this.command_size_limits.values()) : this.command_size_limit;
  }

  private limit_for(command: string): number {
    return this.command_size_limits.get(command) ?? this.command_size_limit;
  }

  _set_post_data_state(): void {
    this.smtp_state = State.COMMAND;
    this.mailfrom = null;
    this.rcpttos = [];
    this.num_bytes = 0;
    this.set_terminator(CRLF);
  }

  _set_rset_state(): void {
    this._set_post_data_state();
    this.received_data = Buffer.alloc(0);
    this.received_lines = [];
  }

  /** A reply line: the text plus CRLF (ASCII, as smtpd without SMTPUTF8). */
  override push(msg: string | Buffer | Uint8Array): void {
    super.push(typeof msg === "string" ? Buffer.from(`${msg}\r\n`, "latin1") : msg);
  }

  override collect_incoming_data(data: Buffer): void {
    if (this.ssl_switching) return; // read in the clear behind STARTTLS: dropped
    const limit = this.smtp_state === State.COMMAND ? this.max_command_size_limit : this.data_size_limit;
    if (limit && this.num_bytes > limit) return;
    if (limit) this.num_bytes += data.length;
    this.received_lines.push(data);
  }

  override found_terminator(): void {
    if (this.ssl_switching) {
      this.received_lines = [];
      this.num_bytes = 0;
      return;
    }
    const raw = this.received_lines.length === 1 ? this.received_lines[0]! : Buffer.concat(this.received_lines);
    this.received_lines = [];
    if (this.smtp_state === State.COMMAND) {
      const sz = this.num_bytes;
      this.num_bytes = 0;
      if (!raw.length) {
        this.push("500 Error: bad syntax");
        return;
      }
      const line = raw.toString("utf8");
      const i = line.indexOf(" ");
      const command = (i < 0 ? line : line.slice(0, i)).toUpperCase();
      const arg = i < 0 ? null : line.slice(i + 1).trim();
      const max_sz = this.extended_smtp ? this.limit_for(command) : this.command_size_limit;
      if (sz > max_sz) {
        this.push("500 Error: line too long");
        return;
      }
      const method = (this as unknown as Record<string, unknown>)[`smtp_${command}`];
      if (!/^[A-Z]+$/.test(command) || typeof method !== "function") {
        this.push(`500 Error: command "${command}" not recognized`);
        return;
      }
      (method as (arg: string | null) => void).call(this, arg);
      return;
    }
    if (this.smtp_state !== State.DATA) {
      this.push("451 Internal confusion");
      this.num_bytes = 0;
      return;
    }
    if (this.data_size_limit && this.num_bytes > this.data_size_limit) {
      this.push("552 Error: Too much mail data");
      this._set_post_data_state(); // CPython stays in DATA here (see the top of this file)
      return;
    }
    this.received_data = unstuff(raw, this.data_linesep);
    const status = this.smtp_server.process_message(this.peer as socket.Address, this.mailfrom ?? "", this.rcpttos, this.received_data, {
      mail_options: this.mail_options,
      rcpt_options: this.rcpt_options,
    });
    this._set_post_data_state();
    this.push(status ? status : "250 OK");
  }

  // ---- SMTP and ESMTP commands --------------------------------------------------------------

  smtp_HELO(arg: string | null): void {
    if (!arg) return this.push("501 Syntax: HELO hostname");
    if (this.seen_greeting) return this.push("503 Duplicate HELO/EHLO");
    this._set_rset_state();
    this.seen_greeting = arg;
    this.push(`250 ${this.fqdn}`);
  }

  smtp_EHLO(arg: string | null): void {
    if (!arg) return this.push("501 Syntax: EHLO hostname");
    if (this.seen_greeting) return this.push("503 Duplicate HELO/EHLO");
    this._set_rset_state();
    this.seen_greeting = arg;
    this.extended_smtp = true;
    this.push(`250-${this.fqdn}`);
    if (this.data_size_limit) {
      this.push(`250-SIZE ${this.data_size_limit}`);
      this.command_size_limits.set("MAIL", this.limit_for("MAIL") + 26);
    }
    this.push("250-8BITMIME");
    if (this.smtp_server.tls_context && !this.tls_active) this.push("250-STARTTLS");
    this.push("250 HELP");
  }

  /** RFC 3207: the reply in the clear, then TLS, then a fresh session (see the top of this file). */
  smtp_STARTTLS(arg: string | null): void {
    if (arg) return this.push("501 Syntax: STARTTLS");
    const context = this.smtp_server.tls_context;
    if (!context) return this.push("454 TLS not available");
    if (this.tls_active) return this.push("503 Error: TLS already active");
    this.push("220 Ready to start TLS");
    this.secure_connection_after_reply(context);
  }

  /** RFC 3207 section 4.2: forget everything the client said before TLS. */
  override handle_tls_ready(): void {
    this.seen_greeting = "";
    this.extended_smtp = false;
    this.mail_options = [];
    this.rcpt_options = [];
    this.command_size_limits.clear();
    this._set_rset_state();
  }

  smtp_NOOP(arg: string | null): void {
    this.push(arg ? "501 Syntax: NOOP" : "250 OK");
  }

  smtp_QUIT(arg: string | null): void {
    void arg; // ignored, as in smtpd
    this.push("221 Bye");
    this.close_when_done();
  }

  private strip_command_keyword(keyword: string, arg: string): string {
    return arg.slice(0, keyword.length).toUpperCase() === keyword ? arg.slice(keyword.length).trim() : "";
  }

  smtp_HELP(arg: string | null): void {
    if (!arg) {
      this.push("250 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY");
      return;
    }
    const extended = this.extended_smtp ? " [SP <mail-parameters>]" : "";
    const replies: Record<string, string> = {
      EHLO: "250 Syntax: EHLO hostname",
      HELO: "250 Syntax: HELO hostname",
      MAIL: `250 Syntax: MAIL FROM: <address>${extended}`,
      RCPT: `250 Syntax: RCPT TO: <address>${extended}`,
      DATA: "250 Syntax: DATA",
      RSET: "250 Syntax: RSET",
      NOOP: "250 Syntax: NOOP",
      QUIT: "250 Syntax: QUIT",
      VRFY: "250 Syntax: VRFY <address>",
    };
    this.push(replies[arg.toUpperCase()] ?? "501 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY");
  }

  smtp_VRFY(arg: string | null): void {
    if (!arg) return this.push("501 Syntax: VRFY <address>");
    const [address] = getaddr(arg);
    this.push(address ? "252 Cannot VRFY user, but will accept message and attempt delivery" : `502 Could not VRFY ${arg}`);
  }

  smtp_MAIL(arg: string | null): void {
    if (!this.seen_greeting) return this.push("503 Error: send HELO first");
    let syntaxerr = "501 Syntax: MAIL FROM: <address>";
    if (this.extended_smtp) syntaxerr += " [SP <mail-parameters>]";
    if (arg === null) return this.push(syntaxerr);
    const [address, rest] = getaddr(this.strip_command_keyword("FROM:", arg));
    if (!address) return this.push(syntaxerr);
    if (!this.extended_smtp && rest.trim()) return this.push(syntaxerr);
    if (this.mailfrom) return this.push("503 Error: nested MAIL command");
    this.mail_options = rest.toUpperCase().split(/\s+/).filter((x) => x);
    const params = getparams(this.mail_options);
    if (params === null) return this.push(syntaxerr);
    const body = params.get("BODY") ?? "7BIT";
    params.delete("BODY");
    if (body !== "7BIT" && body !== "8BITMIME") return this.push("501 Error: BODY can only be one of 7BIT, 8BITMIME");
    const size = params.get("SIZE");
    params.delete("SIZE");
    if (size !== undefined) {
      if (size === true || !/^[0-9]+$/.test(size)) return this.push(syntaxerr);
      if (this.data_size_limit && Number(size) > this.data_size_limit) {
        return this.push("552 Error: message size exceeds fixed maximum message size");
      }
    }
    if (params.size) return this.push("555 MAIL FROM parameters not recognized or not implemented");
    this.mailfrom = address;
    this.push("250 OK");
  }

  smtp_RCPT(arg: string | null): void {
    if (!this.seen_greeting) return this.push("503 Error: send HELO first");
    if (!this.mailfrom) return this.push("503 Error: need MAIL command");
    let syntaxerr = "501 Syntax: RCPT TO: <address>";
    if (this.extended_smtp) syntaxerr += " [SP <mail-parameters>]";
    if (arg === null) return this.push(syntaxerr);
    const [address, rest] = getaddr(this.strip_command_keyword("TO:", arg));
    if (!address) return this.push(syntaxerr);
    if (!this.extended_smtp && rest.trim()) return this.push(syntaxerr);
    this.rcpt_options = rest.toUpperCase().split(/\s+/).filter((x) => x);
    const params = getparams(this.rcpt_options);
    if (params === null) return this.push(syntaxerr);
    if (params.size) return this.push("555 RCPT TO parameters not recognized or not implemented");
    this.rcpttos.push(address);
    this.push("250 OK");
  }

  smtp_RSET(arg: string | null): void {
    if (arg) return this.push("501 Syntax: RSET");
    this._set_rset_state();
    this.push("250 OK");
  }

  smtp_DATA(arg: string | null): void {
    if (!this.seen_greeting) return this.push("503 Error: send HELO first");
    if (!this.rcpttos.length) return this.push("503 Error: need RCPT command");
    if (arg) return this.push("501 Syntax: DATA");
    this.smtp_state = State.DATA;
    this.set_terminator(b`\r\n.\r\n`);
    this.push("354 End data with <CR><LF>.<CR><LF>");
  }

  smtp_EXPN(arg: string | null): void {
    void arg;
    this.push("502 EXPN not implemented");
  }
}

function family_of(host: string): number {
  return host.includes(":") ? socket.AF_INET6 : socket.AF_INET;
}

export class SMTPServer extends asyncore.dispatcher {
  /** The channel class to make for each connection (override in a subclass). */
  channel_class: typeof SMTPChannel = SMTPChannel;
  /** The name in the greeting and the HELO/EHLO reply (smtpd uses socket.getfqdn()). */
  fqdn: string = os.hostname();
  /** With a context, EHLO offers STARTTLS (see the top of this file). */
  tls_context: ssl.SSLContext | null = null;

  constructor(
    readonly _localaddr: [string, number],
    readonly _remoteaddr: socket.Address | null = null,
    public data_size_limit: number = DATA_SIZE_DEFAULT,
    map?: asyncore.SocketMap,
  ) {
    super(null, map);
    try {
      this.create_socket(family_of(_localaddr[0]), socket.SOCK_STREAM);
      this.set_reuse_addr();
      this.bind(_localaddr);
      this.listen(5);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** The bound address (the real port when constructed with port 0). */
  address(): socket.Address {
    return this.socket!.getsockname();
  }

  override handle_accepted(conn: socket.socket, addr: socket.Address): void {
    new this.channel_class(this, conn, addr, this.data_size_limit, this._map);
  }

  /**
   * Override to do something with each message. `data` is the message, de-transparencied
   * (dot-unstuffed), its lines joined by the channel's data_linesep. Return null/undefined
   * for "250 OK", or a full reply line such as "550 No such user".
   */
  process_message(
    peer: socket.Address,
    mailfrom: string,
    rcpttos: string[],
    data: Buffer,
    kwargs: MessageOptions,
  ): string | null | undefined | void {
    void peer, mailfrom, rcpttos, data, kwargs;
    throw new asynchat.NotImplementedError("process_message must be implemented in a subclass");
  }
}

/** smtpd.DebuggingServer: prints each message to stdout instead of delivering it. */
export class DebuggingServer extends SMTPServer {
  override process_message(peer: socket.Address, mailfrom: string, rcpttos: string[], data: Buffer, kwargs: MessageOptions): void {
    let in_headers = true;
    console.log("---------- MESSAGE FOLLOWS ----------");
    if (kwargs.mail_options.length) console.log(`mail options: ${kwargs.mail_options.join(" ")}`);
    for (const line of data.toString("latin1").split("\n")) {
      if (in_headers && !line) {
        console.log(`X-Peer: ${Array.isArray(peer) ? peer[0] : peer}`);
        in_headers = false;
      }
      console.log(line);
    }
    console.log(`------------ END MESSAGE ------------ (from ${mailfrom} to ${rcpttos.join(", ")})`);
  }
}

/** The program: a DebuggingServer on 127.0.0.1; `[port] [--poll] [--tls-cert FILE --tls-key FILE]`. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let flags: ServerFlags;
  try {
    flags = take_server_flags(argv, 8025);
  } catch (err) {
    console.error(`usage: node dist/examples/smtp_server.js [port] [--poll] [--tls-cert FILE --tls-key FILE]  (${(err as Error).message})`);
    process.exitCode = 2;
    return;
  }
  const server = new DebuggingServer(["127.0.0.1", flags.port]);
  if (flags.tls_cert) server.tls_context = server_context(flags.tls_cert, flags.tls_key);
  console.log(`SMTP debugging server on ${socket.format_address(server.address())}${server.tls_context ? " (STARTTLS)" : ""}`);
  await asyncore.loop({ use_poll: flags.use_poll });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
