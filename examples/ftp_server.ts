// An FTP and FTPS server after CPython's test_ftplib (DummyFTPServer, DummyFTPHandler, DummyDTPHandler, SSLConnection), serving an in-memory store.
//
// The control channel and the data channels are async_chat channels in one asyncore map, as in
// test_ftplib; the replies are that server's texts ("331 username ok", "125 retr ok",
// "226 transfer complete", ...) wherever the command means the same, so CPython's ftplib sees
// the same conversation. Where test_ftplib's server only pretends (fixed data, "257 "pwd ok"",
// "250 1000" for SIZE), this one acts on a MemoryStore (examples/ftp_store.ts) and answers as
// RFC 959/3659 say ("257 "/dir"", "213 <size>"). Also unlike it, nothing here blocks the loop:
// PASV/EPSV accept the data connection with a listening dispatcher and PORT/EPRT connect with a
// connecting one, and a transfer command that arrives before its data connection waits for it.
//
// Commands: USER PASS ACCT PWD CWD CDUP TYPE PASV EPSV PORT EPRT LIST NLST MLSD RETR STOR APPE
// REST ABOR NOOP SIZE MKD RMD DELE RNFR RNTO FEAT OPTS QUIT.
//
// FTPS (RFC 4217), with a `tls_context`, as test_ftplib's DummyTLS_FTPHandler: explicit
// "AUTH TLS" (or SSL) wraps the control connection after its 234 reply, PBSZ, "PROT P" wraps
// each data connection server side from then on and "PROT C" stops it, and CCC unwraps the
// control connection (close_notify both ways) and goes on in the clear. The TLS machinery is
// the mixin's, as a base class: examples/ssl_connection.ts. Unlike test_ftplib's server, PBSZ and
// "PROT P" need a protected control connection (503 otherwise, as RFC 4217 says), and AUTH
// without a context is answered 502.
//
// Run: node dist/examples/ftp_server.js [port] [--poll] [--tls-cert FILE --tls-key FILE]
//      (127.0.0.1, port 8021 by default)
import * as asyncore from "asyncore-ts/asyncore";
import * as socket from "asyncore-ts/socket";
import type * as ssl from "asyncore-ts/ssl";
import { b } from "asyncore-ts";
import { SSLConnection, server_context } from "./ssl_connection.js";
import { take_server_flags, type ServerFlags } from "./server_flags.js";
import { MemoryStore, StoreError, resolve_path, type Entry } from "./ftp_store.js";

/** A server's settings; every field is optional. */
export interface FTPOptions {
  /** The files served (default: a new, empty MemoryStore). */
  readonly store?: MemoryStore;
  /** The socket map to join (default asyncore.socket_map). */
  readonly map?: asyncore.SocketMap | null;
  /** One line per command and per connection ("127.0.0.1:5555 RETR /a 125"); default: silent. */
  readonly log?: ((line: string) => void) | null;
  /** Longest command line in bytes (default 4096); a longer one is answered 500 and dropped. */
  readonly max_line?: number;
  /** FTPS: AUTH TLS, PBSZ, PROT and CCC with this server context (ssl_connection.server_context). */
  readonly tls_context?: ssl.SSLContext | null;
}

const MAX_LINE = 4096;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** What a transfer command asked for, waiting for (or running on) the data connection. */
type Transfer =
  | { readonly kind: "send"; readonly data: Buffer }
  | { readonly kind: "receive"; readonly path: string; readonly offset: number | null };

const decoder = new TextDecoder("utf-8", { fatal: true });

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** "ls -l" lines for LIST. */
function list_line(name: string, e: Entry): string {
  const d = e.mtime;
  const when = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  const size = e.type === "file" ? e.size : 0;
  return `${e.type === "dir" ? "drwxr-xr-x" : "-rw-r--r--"} 1 owner group ${String(size).padStart(10)} ${when} ${name}`;
}

/** RFC 3659 MLSD facts for one entry. */
function mlsd_line(name: string, e: Entry): string {
  const d = e.mtime;
  const modify = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
  const facts = e.type === "file" ? `type=file;size=${e.size};perm=adfrw;` : "type=dir;perm=cdeflmp;";
  return `${facts}modify=${modify}; ${name}`;
}

/** An address's host part, v4-mapped IPv6 written as IPv4. */
function host_of(addr: socket.Address): string {
  const h = (addr as [string, number])[0];
  return h.startsWith("::ffff:") && h.includes(".") ? h.slice(7) : h;
}

/**
 * A data connection (test_ftplib's DummyDTPHandler): it sends what a RETR/LIST/NLST/MLSD gives
 * it and closes, or collects what the client sends for STOR/APPE until the client closes. Either
 * way the control channel answers "226 transfer complete" once it is over.
 */
export class DTPHandler extends SSLConnection {
  dtp_conn_closed = false;
  transfer: Transfer | null = null;
  /** What a STOR/APPE has received so far. */
  received: Buffer[] = [];
  received_bytes = 0;
  /** Set when the store's room ran out: the data is dropped and 552 is the answer. */
  overflow = false;

  constructor(sock: socket.socket | null, readonly control: FTPHandler) {
    super(sock, control._map);
    // test_ftplib's DummyTLS_DTPHandler: wrapped at once under PROT P.
    if (sock) this.secure_if_private();
  }

  protected secure_if_private(): void {
    const context = this.control.options.tls_context;
    if (this.control.secure_data_channel && context) this.secure_connection(context);
  }

  override handle_tls_error(message: string): void {
    this.control.note(`data connection TLS ${message}`);
  }

  /** Data may flow: the connection is made (accepted, or connected for PORT/EPRT). */
  ready(): void {
    const t = this.control.transfer;
    if (t) this.begin(t);
  }

  begin(t: Transfer): void {
    this.transfer = t;
    if (t.kind === "send") {
      if (t.data.length) this.push(t.data);
      this.close_when_done();
    }
  }

  override collect_incoming_data(data: Buffer): void {
    void data; // handle_read collects itself
  }

  override found_terminator(): void {}

  override handle_read(): void {
    const data = this.recv(65536);
    if (!data.length || this.overflow) return;
    const room = this.transfer?.kind === "receive" ? this.control.store.room_for(this.transfer.path) : this.control.store.room_for("");
    if (this.received_bytes + data.length > room) {
      // A peer cannot grow the store past its limit: stop collecting, answer 552 when it closes.
      this.overflow = true;
      this.received = [];
      return;
    }
    this.received.push(Buffer.from(data));
    this.received_bytes += data.length;
  }

  override handle_close(): void {
    if (this.dtp_conn_closed) return;
    this.dtp_conn_closed = true;
    // Output left over means the client went away before it had everything.
    const complete = this.producer_fifo.length === 0;
    this.close();
    this.control.data_closed(this, complete);
  }

  /**
   * A failed connect (PORT to a closed port) or a broken connection: not a crash of the server,
   * the transfer fails (test_ftplib's handler ignores these errors; this one answers 425/426).
   */
  override handle_error(err?: unknown): void {
    this.control.note(`data connection error: ${String(err)}`);
    if (this.dtp_conn_closed) return;
    this.dtp_conn_closed = true;
    const never_connected = this.connecting;
    this.discard_buffers();
    this.close_now();
    if (never_connected) {
      this.control.push("425 Can't open data connection.");
      this.control.data_gone(this);
    } else {
      this.control.data_closed(this, false);
    }
  }

  /** ABOR: drop the connection and whatever it was doing, without the 226 (nor close_notify). */
  abort(): void {
    this.dtp_conn_closed = true;
    this.discard_buffers();
    this.close_now();
  }
}

/** PORT/EPRT: a data connection this server makes to the client. */
export class ActiveDTPHandler extends DTPHandler {
  constructor(control: FTPHandler, family: number, address: socket.Address) {
    super(null, control);
    this.create_socket(family, socket.SOCK_STREAM);
    this.connect(address);
  }

  override handle_connect(): void {
    this.control.push("200 active data connection established");
    this.secure_if_private();
    this.ready();
  }

  override handle_close(): void {
    if (this.connecting) this.handle_error(new Error("connection refused"));
    else super.handle_close();
  }
}

/**
 * PASV/EPSV: listens for the one data connection of the next transfer. test_ftplib's handler
 * blocks in accept(); this one lets the loop accept it, and only from the control's peer.
 */
export class PassiveListener extends asyncore.dispatcher {
  constructor(readonly control: FTPHandler, family: number, host: string) {
    super(null, control._map);
    this.create_socket(family, socket.SOCK_STREAM);
    this.bind([host, 0]);
    this.listen(1);
  }

  get port(): number {
    return (this.socket!.getsockname() as [string, number])[1];
  }

  override writable(): boolean {
    return false;
  }

  override handle_accepted(sock: socket.socket, addr: socket.Address): void {
    if (host_of(addr) !== this.control.peer_host) {
      // Someone else's connection (a port scan, a data-connection theft attempt): refuse it.
      this.control.note(`data connection from ${socket.format_address(addr)} refused`);
      sock.close();
      return;
    }
    this.close();
    this.control.data_connected(this, this.control.make_dtp(sock));
  }
}

/** One control connection (test_ftplib's DummyFTPHandler, acting on a store). */
export class FTPHandler extends SSLConnection {
  /** The class of each data connection made for this session (an accepted one). */
  dtp_handler: typeof DTPHandler = DTPHandler;
  readonly store: MemoryStore;
  readonly options: FTPOptions;
  readonly peer: socket.Address;
  readonly peer_host: string;
  in_buffer: Buffer[] = [];
  last_received_cmd: string | null = null;
  cwd = "/";
  rest: number | null = null;
  rnfr: string | null = null;
  /** The data connection being made or in use, and the transfer waiting for it. */
  pasv: PassiveListener | null = null;
  dtp: DTPHandler | null = null;
  transfer: Transfer | null = null;
  /** PROT P: data connections are wrapped (test_ftplib's secure_data_channel). */
  secure_data_channel = false;

  constructor(conn: socket.socket, addr: socket.Address, readonly server: FTPServer) {
    super(conn, server._map);
    this.options = server.options;
    this.store = server.store;
    this.peer = addr;
    this.peer_host = host_of(addr);
    // As test_ftplib: urgent data inline, for ftplib's ABOR (PORTING.md, "Urgent data").
    this.socket!.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1);
    // Framed on "\r", a leading "\n" dropped: ABOR's urgent "\n" may never arrive (PORTING.md, "Urgent data").
    this.set_terminator(b`\r`);
    this.push("220 welcome");
  }

  note(line: string): void {
    this.options.log?.(`${socket.format_address(this.peer)} ${line}`);
  }

  override get ac_collect_limit(): number {
    return this.options.max_line ?? MAX_LINE;
  }

  override handle_collect_overflow(): void {
    this.in_buffer = [];
    this.push("500 Command line too long.");
  }

  override collect_incoming_data(data: Buffer): void {
    if (!this.ssl_switching) this.in_buffer.push(data);
  }

  override found_terminator(): void {
    const raw = Buffer.concat(this.in_buffer);
    this.in_buffer = [];
    // Read in the clear behind AUTH/CCC: not run on the other side of the switch.
    if (this.ssl_switching) return;
    let line: string;
    try {
      line = decoder.decode(raw[0] === 0x0a ? raw.subarray(1) : raw);
    } catch {
      this.push("501 Command is not valid UTF-8.");
      return;
    }
    const space = line.indexOf(" ");
    const cmd = (space < 0 ? line : line.slice(0, space)).toLowerCase();
    const arg = space < 0 ? "" : line.slice(space + 1);
    this.last_received_cmd = cmd;
    this.note(cmd === "pass" ? "PASS ****" : line);
    const method = /^[a-z]+$/.test(cmd) ? (this as unknown as Record<string, unknown>)[`cmd_${cmd}`] : undefined;
    if (typeof method !== "function") {
      this.push(`550 command "${cmd}" not understood.`);
      return;
    }
    try {
      (method as (arg: string) => void).call(this, arg);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      this.push(err.reply);
    }
  }

  override handle_tls_error(message: string): void {
    this.note(`TLS ${message}`);
  }

  /** A reply line: the text plus CRLF, UTF-8 (test_ftplib's push). */
  override push(data: string | Buffer | Uint8Array): void {
    super.push(typeof data === "string" ? Buffer.from(`${data}\r\n`, "utf8") : data);
  }

  override close(): void {
    this.pasv?.close();
    this.pasv = null;
    this.dtp?.abort();
    this.dtp = null;
    super.close();
  }

  override close_now(): void {
    this.pasv?.close();
    this.pasv = null;
    this.dtp?.abort();
    this.dtp = null;
    super.close_now();
  }

  private path(arg: string): string {
    return resolve_path(this.cwd, arg);
  }

  // ---- the data connection -----------------------------------------------------------------

  /** A data channel for an accepted connection. */
  make_dtp(sock: socket.socket): DTPHandler {
    return new this.dtp_handler(sock, this);
  }

  /** Forget any data connection being made or in use (a new PASV/PORT replaces it). */
  private drop_data_connection(): void {
    this.pasv?.close();
    this.pasv = null;
    this.dtp?.abort();
    this.dtp = null;
    this.transfer = null;
  }

  data_connected(listener: PassiveListener, dtp: DTPHandler): void {
    if (this.pasv === listener) this.pasv = null;
    this.dtp = dtp;
    dtp.ready();
  }

  /** A connection that never came up (PORT to a closed port). */
  data_gone(dtp: DTPHandler): void {
    if (this.dtp === dtp) {
      this.dtp = null;
      this.transfer = null;
    }
  }

  /** The data connection closed: the transfer on it (if any) is over. */
  data_closed(dtp: DTPHandler, complete: boolean): void {
    if (this.dtp !== dtp) return;
    this.dtp = null;
    const t = dtp.transfer;
    this.transfer = null;
    if (!t || this.socket === null) return;
    if (t.kind === "send") {
      this.push(complete ? "226 transfer complete" : "426 Connection closed; transfer aborted.");
      return;
    }
    if (!complete) {
      this.push("426 Connection closed; transfer aborted.");
      return;
    }
    if (dtp.overflow) {
      this.push("552 Exceeded storage allocation.");
      return;
    }
    try {
      this.store.write(t.path, Buffer.concat(dtp.received), t.offset);
      this.push("226 transfer complete");
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      this.push(err.reply);
    }
  }

  /** A transfer command: its preliminary reply now, the data once the connection is there. */
  private start_transfer(reply: string, t: Transfer): void {
    if (!this.pasv && !this.dtp) {
      this.push("425 Use PORT or PASV first.");
      return;
    }
    if (this.transfer) {
      this.push("450 A transfer is already in progress.");
      return;
    }
    this.transfer = t;
    this.push(reply);
    if (this.dtp && this.dtp.connected && !this.dtp.connecting) this.dtp.begin(t);
  }

  // ---- commands ----------------------------------------------------------------------------

  cmd_user(arg: string): void {
    void arg;
    this.push("331 username ok");
  }

  cmd_pass(arg: string): void {
    void arg;
    this.push("230 password ok");
  }

  cmd_acct(arg: string): void {
    void arg;
    this.push("230 acct ok");
  }

  cmd_noop(arg: string): void {
    void arg;
    this.push("200 noop ok");
  }

  cmd_pwd(arg: string): void {
    void arg;
    this.push(`257 "${this.cwd.replaceAll('"', '""')}"`);
  }

  cmd_cwd(arg: string): void {
    const p = this.path(arg);
    if (this.store.stat(p)?.type !== "dir") throw new StoreError("550 No such directory.");
    this.cwd = p;
    this.push("250 cwd ok");
  }

  cmd_cdup(arg: string): void {
    void arg;
    this.cmd_cwd("..");
  }

  cmd_type(arg: string): void {
    // Files go as they are in every type: the store holds bytes, not lines.
    const t = arg.toUpperCase();
    if (t === "A" || t === "A N" || t === "I" || t === "L 8") this.push("200 type ok");
    else this.push("504 Unsupported type.");
  }

  cmd_opts(arg: string): void {
    void arg;
    this.push("200 opts ok");
  }

  cmd_feat(arg: string): void {
    void arg;
    this.push(this.features().map((f, i, all) => (i === 0 ? `211-Features:\r\n ${f}` : i === all.length - 1 ? ` ${f}\r\n211 End` : ` ${f}`)).join("\r\n"));
  }

  /** What FEAT lists. */
  features(): string[] {
    const tls = this.options.tls_context ? ["AUTH TLS", "AUTH SSL", "PBSZ", "PROT"] : [];
    return [...tls, "EPRT", "EPSV", "MLSD type*;size*;modify*;perm*;", "REST STREAM", "SIZE", "UTF8"];
  }

  // ---- FTPS (test_ftplib's DummyTLS_FTPHandler) ----------------------------------------------

  cmd_auth(arg: string): void {
    const context = this.options.tls_context;
    if (!context) return this.push("502 AUTH not available: no certificate configured.");
    if (!["TLS", "TLS-C", "SSL", "TLS-P"].includes(arg.toUpperCase())) return this.push("504 AUTH type not supported.");
    if (this.tls_active) return this.push("503 Already using TLS.");
    this.push("234 AUTH TLS successful");
    this.secure_connection_after_reply(context);
  }

  cmd_pbsz(arg: string): void {
    void arg; // for TLS the only size is 0; any other is accepted and ignored (RFC 4217 section 9)
    if (!this.tls_active) return this.push("503 PBSZ not allowed on insecure control connection.");
    this.push("200 PBSZ=0 successful.");
  }

  cmd_prot(arg: string): void {
    const level = arg.toUpperCase();
    if (level === "C") {
      this.secure_data_channel = false;
      this.push("200 Protection set to Clear");
    } else if (level === "P") {
      if (!this.tls_active) return this.push("503 PROT P not allowed on insecure control connection.");
      this.secure_data_channel = true;
      this.push("200 Protection set to Private");
    } else {
      this.push("502 Unrecognized PROT type (use C or P).");
    }
  }

  cmd_ccc(arg: string): void {
    void arg;
    if (!this.tls_active) return this.push("503 CCC without TLS.");
    this.push("220 Reverting back to clear-text");
    this.unwrap_after_reply();
  }

  cmd_quit(arg: string): void {
    void arg;
    this.push("221 quit ok");
    this.close_when_done();
  }

  cmd_pasv(arg: string): void {
    void arg;
    const host = host_of(this.socket!.getsockname());
    if (host.includes(":")) {
      this.push("425 PASV needs an IPv4 control connection; use EPSV.");
      return;
    }
    this.drop_data_connection();
    this.pasv = new PassiveListener(this, socket.AF_INET, host);
    const port = this.pasv.port;
    this.push(`227 entering passive mode (${host.replaceAll(".", ",")},${port >> 8},${port & 255})`);
  }

  cmd_epsv(arg: string): void {
    const [host] = this.socket!.getsockname() as [string, number];
    const family = host.includes(":") ? socket.AF_INET6 : socket.AF_INET;
    if (arg && arg.toUpperCase() !== "ALL" && arg !== (family === socket.AF_INET6 ? "2" : "1")) {
      this.push("522 Network protocol not supported, use (1,2)");
      return;
    }
    this.drop_data_connection();
    this.pasv = new PassiveListener(this, family, host);
    this.push(`229 entering extended passive mode (|||${this.pasv.port}|)`);
  }

  /** PORT/EPRT: connect to the client, only at the address the control connection comes from. */
  private active(family: number, host: string, port: number): void {
    if (!(port > 0 && port < 65536)) {
      this.push("501 Invalid port.");
      return;
    }
    if (host !== this.peer_host) {
      // Connecting elsewhere would make this server a proxy for its clients (the FTP bounce attack).
      this.push("501 Data connection to another host refused.");
      return;
    }
    this.drop_data_connection();
    this.dtp = new ActiveDTPHandler(this, family, [host, port]);
  }

  cmd_port(arg: string): void {
    const parts = arg.split(",");
    if (parts.length !== 6 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256)) {
      this.push("501 Syntax: PORT h1,h2,h3,h4,p1,p2");
      return;
    }
    const n = parts.map(Number);
    this.active(socket.AF_INET, n.slice(0, 4).join("."), n[4]! * 256 + n[5]!);
  }

  cmd_eprt(arg: string): void {
    const d = arg[0];
    const fields = d ? arg.split(d) : [];
    if (fields.length !== 5 || fields[0] !== "" || fields[4] !== "" || !/^\d{1,5}$/.test(fields[3]!)) {
      this.push("501 Syntax: EPRT |af|address|port|");
      return;
    }
    const [, af, host, port] = fields as [string, string, string, string];
    if (af !== "1" && af !== "2") {
      this.push("522 Network protocol not supported, use (1,2)");
      return;
    }
    this.active(af === "1" ? socket.AF_INET : socket.AF_INET6, host, Number(port));
  }

  cmd_rest(arg: string): void {
    if (!/^\d{1,15}$/.test(arg)) {
      this.push("501 Invalid REST offset.");
      return;
    }
    this.rest = Number(arg);
    this.push("350 rest ok");
  }

  private take_rest(): number | null {
    const r = this.rest;
    this.rest = null;
    return r;
  }

  cmd_retr(arg: string): void {
    const offset = this.take_rest() ?? 0;
    const data = this.store.read(this.path(arg));
    this.start_transfer("125 retr ok", { kind: "send", data: data.subarray(Math.min(offset, data.length)) });
  }

  cmd_stor(arg: string): void {
    const p = this.path(arg);
    const offset = this.take_rest() ?? 0;
    this.store.check_writable(p);
    this.start_transfer("125 stor ok", { kind: "receive", path: p, offset });
  }

  cmd_appe(arg: string): void {
    const p = this.path(arg);
    this.rest = null;
    this.store.check_writable(p);
    this.start_transfer("125 appe ok", { kind: "receive", path: p, offset: null });
  }

  /** The entries a LIST/NLST/MLSD argument names: a directory's contents, or one file. */
  private entries(arg: string): [string, Entry][] {
    // LIST takes ls options ("-la"); they change nothing here.
    const target = arg.split(" ").filter((w) => w && !w.startsWith("-")).join(" ");
    const p = this.path(target);
    const e = this.store.stat(p);
    if (!e) throw new StoreError("550 No such file or directory.");
    if (e.type === "file") return [[p.slice(p.lastIndexOf("/") + 1), e]];
    return this.store.list(p).map((name) => [name, this.store.stat(`${p === "/" ? "" : p}/${name}`)!]);
  }

  private listing(lines: string[]): Buffer {
    return Buffer.from(lines.map((l) => `${l}\r\n`).join(""), "utf8");
  }

  cmd_list(arg: string): void {
    this.start_transfer("125 list ok", { kind: "send", data: this.listing(this.entries(arg).map(([n, e]) => list_line(n, e))) });
  }

  cmd_nlst(arg: string): void {
    this.start_transfer("125 nlst ok", { kind: "send", data: this.listing(this.entries(arg).map(([n]) => n)) });
  }

  cmd_mlsd(arg: string): void {
    const p = this.path(arg);
    if (this.store.stat(p)?.type !== "dir") throw new StoreError("501 Not a directory.");
    this.start_transfer("125 mlsd ok", { kind: "send", data: this.listing(this.entries(arg).map(([n, e]) => mlsd_line(n, e))) });
  }

  cmd_abor(arg: string): void {
    void arg;
    this.drop_data_connection();
    this.push("226 abor ok");
  }

  cmd_size(arg: string): void {
    const e = this.store.stat(this.path(arg));
    if (e?.type !== "file") throw new StoreError("550 No such file.");
    this.push(`213 ${e.size}`);
  }

  cmd_mkd(arg: string): void {
    const p = this.path(arg);
    this.store.mkdir(p);
    this.push(`257 "${p.replaceAll('"', '""')}"`);
  }

  cmd_rmd(arg: string): void {
    this.store.rmdir(this.path(arg));
    this.push("250 rmd ok");
  }

  cmd_dele(arg: string): void {
    this.store.delete(this.path(arg));
    this.push("250 dele ok");
  }

  cmd_rnfr(arg: string): void {
    const p = this.path(arg);
    if (!this.store.stat(p)) throw new StoreError("550 No such file or directory.");
    this.rnfr = p;
    this.push("350 rnfr ok");
  }

  cmd_rnto(arg: string): void {
    const from = this.rnfr;
    this.rnfr = null;
    if (from === null) {
      this.push("503 Bad sequence of commands: RNFR first.");
      return;
    }
    this.store.rename(from, this.path(arg));
    this.push("250 rnto ok");
  }
}

/** The listener (test_ftplib's DummyFTPServer, without the thread): one FTPHandler per client. */
export class FTPServer extends asyncore.dispatcher {
  /** The class of each control connection. */
  handler: typeof FTPHandler = FTPHandler;
  readonly store: MemoryStore;
  readonly options: FTPOptions;
  handler_instance: FTPHandler | null = null;

  constructor(address: [string, number], options: FTPOptions = {}) {
    super(null, options.map ?? null);
    this.options = options;
    this.store = options.store ?? new MemoryStore();
    this.create_socket(address[0].includes(":") ? socket.AF_INET6 : socket.AF_INET, socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind(address);
    this.listen(5);
  }

  /** The bound address, e.g. ["127.0.0.1", 8021]. */
  get address(): socket.Address {
    return this.socket!.getsockname();
  }

  override writable(): boolean {
    return false;
  }

  override handle_accepted(conn: socket.socket, addr: socket.Address): void {
    this.handler_instance = new this.handler(conn, addr, this);
  }
}

/**
 * The program: serve an empty MemoryStore on 127.0.0.1 and the port from argv (default 8021)
 * until killed, logging each command; `--poll` runs the poll()-based loop, `--tls-cert FILE
 * --tls-key FILE` offers FTPS.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let flags: ServerFlags;
  try {
    flags = take_server_flags(argv, 8021);
  } catch (err) {
    console.error(`usage: node dist/examples/ftp_server.js [port] [--poll] [--tls-cert FILE --tls-key FILE]  (${(err as Error).message})`);
    process.exitCode = 2;
    return;
  }
  const tls_context = flags.tls_cert ? server_context(flags.tls_cert, flags.tls_key) : null;
  const server = new FTPServer(["127.0.0.1", flags.port], { log: (line) => console.log(line), tls_context });
  console.log(`FTP${tls_context ? "S (explicit AUTH TLS)" : ""} server on ${socket.format_address(server.address)}`);
  await asyncore.loop({ use_poll: flags.use_poll });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
