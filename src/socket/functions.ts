// The socket module's functions: inet_aton/ntoa/pton/ntop, htons and friends, and the name lookups,
// synchronous as Python's are (IP literals and the hosts file in process, other names through getent).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { EAFNOSUPPORT, OSError, OverflowError, ValueError, os_error } from "../errno/index.js";
import { brand } from "../errno/exception.js";
import type { Address } from "./address.js";
import {
  AF_INET, AF_INET6, AF_UNSPEC, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV, AI_PASSIVE, IPPROTO_TCP,
  IPPROTO_UDP, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM,
} from "./constants.js";
import { gaierror } from "./errors.js";

/** Python's `socket.herror`: a failed address lookup (gethostbyaddr), errno 1 "Unknown host". */
export class herror extends OSError {
  static { brand(this, "socket.herror"); }
}

/** Python's type name for a value in a TypeError message ('float', 'str', 'NoneType' …). */
function py_type(x: unknown): string {
  if (x === null || x === undefined) return "NoneType";
  if (typeof x === "number") return Number.isInteger(x) ? "int" : "float";
  if (typeof x === "string") return "str";
  if (typeof x === "boolean") return "bool";
  if (x instanceof Uint8Array) return "bytes";
  if (Array.isArray(x)) return "list";
  return typeof x === "object" ? (x.constructor?.name ?? "object") : typeof x;
}

// ---- byte order ------------------------------------------------------------------------------

const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);

function short_arg(name: string, x: unknown): number {
  if (typeof x === "boolean") x = Number(x);
  if (typeof x !== "number" || !Number.isInteger(x)) {
    throw new TypeError(`'${py_type(x)}' object cannot be interpreted as an integer`);
  }
  if (x > INT_MAX) throw new OverflowError("signed integer is greater than maximum");
  if (x < INT_MIN) throw new OverflowError("signed integer is less than minimum");
  if (x < 0) throw new OverflowError(`${name}: can't convert negative Python int to C 16-bit unsigned integer`);
  if (x > 0xffff) throw new OverflowError(`${name}: Python int too large to convert to C 16-bit unsigned integer`);
  return x;
}

function long_arg(x: unknown): number {
  if (typeof x === "boolean") x = Number(x);
  if (typeof x !== "number" || !Number.isInteger(x)) throw new TypeError(`expected int, ${py_type(x)} found`);
  if (x < 0) throw new OverflowError("can't convert negative value to unsigned int");
  if (x > 0xffffffff) throw new OverflowError("int larger than 32 bits");
  return x;
}

const swap16 = (x: number): number => ((x & 0xff) << 8) | (x >> 8);
const swap32 = (x: number): number =>
  (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

/** Python's `socket.htons(x)` on a little-endian host: the 16-bit value byte-swapped. */
export function htons(x: number): number {
  return swap16(short_arg("htons", x));
}
/** Python's `socket.ntohs(x)`. */
export function ntohs(x: number): number {
  return swap16(short_arg("ntohs", x));
}
/** Python's `socket.htonl(x)`. */
export function htonl(x: number): number {
  return swap32(long_arg(x));
}
/** Python's `socket.ntohl(x)`. */
export function ntohl(x: number): number {
  return swap32(long_arg(x));
}

// ---- address text <-> bytes ------------------------------------------------------------------

/**
 * glibc's inet_aton: 1 to 4 parts, each decimal, 0x hex or 0 octal, the last filling the
 * remaining bytes; with `trailing`, anything after whitespace is ignored (inet_aton), without
 * it the string must end there (getaddrinfo's numeric hosts). Null when not an address.
 */
function parse_aton(s: string, trailing: boolean): Buffer | null {
  const m = /^((?:0[xX][0-9a-fA-F]+|[0-9]+)(?:\.(?:0[xX][0-9a-fA-F]+|[0-9]+)){0,3})(.*)$/s.exec(s);
  if (m === null) return null;
  const rest = m[2]!;
  if (rest !== "" && !(trailing && /^\s/.test(rest))) return null;
  const parts: number[] = [];
  for (const p of m[1]!.split(".")) {
    let v: number;
    if (/^0[xX]/.test(p)) v = parseInt(p.slice(2), 16);
    else if (p.length > 1 && p.startsWith("0")) {
      if (!/^[0-7]+$/.test(p)) return null;
      v = parseInt(p, 8);
    } else v = parseInt(p, 10);
    if (!Number.isFinite(v)) return null;
    parts.push(v);
  }
  const last = parts.pop()!;
  if (parts.some((p) => p > 0xff)) return null;
  if (last >= 2 ** (8 * (4 - parts.length))) return null;
  const out = Buffer.alloc(4);
  parts.forEach((p, i) => { out[i] = p; });
  let v = last;
  for (let i = 3; i >= parts.length; i--) {
    out[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Python's `socket.inet_aton(s)`: glibc's lenient forms ("127.1", "0x7f.1", "1.2.3.4 junk"). */
export function inet_aton(s: string): Buffer {
  if (typeof s !== "string") throw new TypeError(`inet_aton() argument 1 must be str, not ${py_type(s)}`);
  const b = parse_aton(s, true);
  if (b === null) throw new OSError(null, "illegal IP address string passed to inet_aton");
  return b;
}

/** Python's `socket.inet_ntoa(packed)`: four bytes as dotted decimal. */
export function inet_ntoa(packed: Uint8Array): string {
  if (!(packed instanceof Uint8Array)) throw new TypeError(`a bytes-like object is required, not '${py_type(packed)}'`);
  if (packed.length !== 4) throw new OSError(null, "packed IP wrong length for inet_ntoa");
  return Array.from(packed).join(".");
}

/** inet_pton(AF_INET): exactly four decimal parts 0-255, no leading zeros. */
function pton4(s: string): Buffer | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

/** inet_pton(AF_INET6): hex groups, one "::", an optional dotted IPv4 tail. */
function pton6(s: string): Buffer | null {
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (text: string, tail_ok: boolean): number[] | null => {
    if (text === "") return [];
    const out: number[] = [];
    const items = text.split(":");
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (tail_ok && i === items.length - 1 && g.includes(".")) {
        const v4 = pton4(g);
        if (v4 === null) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  let words: number[];
  if (halves.length === 1) {
    const w = groups(s, true);
    if (w === null || w.length !== 8) return null;
    words = w;
  } else {
    const head = groups(halves[0]!, false);
    const tail = groups(halves[1]!, true);
    if (head === null || tail === null || head.length + tail.length > 7) return null;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w, 2 * i));
  return out;
}

/** Python's `socket.inet_pton(family, s)`: strict text of AF_INET or AF_INET6. */
export function inet_pton(family: number, s: string): Buffer {
  if (typeof s !== "string") throw new TypeError(`inet_pton() argument 2 must be str, not ${py_type(s)}`);
  let b: Buffer | null;
  if (family === AF_INET) b = pton4(s);
  else if (family === AF_INET6) b = pton6(s);
  else throw os_error(EAFNOSUPPORT);
  if (b === null) throw new OSError(null, "illegal IP address string passed to inet_pton");
  return b;
}

/** Python's `socket.inet_ntop(family, packed)`: glibc's text (longest zero run as "::", v4-mapped tails). */
export function inet_ntop(family: number, packed: Uint8Array): string {
  if (!(packed instanceof Uint8Array)) throw new TypeError(`a bytes-like object is required, not '${py_type(packed)}'`);
  if (family === AF_INET) {
    if (packed.length !== 4) throw new ValueError("invalid length of packed IP address string");
    return Array.from(packed).join(".");
  }
  if (family !== AF_INET6) throw new ValueError(`unknown address family ${family}`);
  if (packed.length !== 16) throw new ValueError("invalid length of packed IP address string");
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((packed[2 * i]! << 8) | packed[2 * i + 1]!);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (cur.base === -1) cur = { base: i, len: 1 };
      else cur.len++;
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) text += ":";
      continue;
    }
    if (i !== 0) text += ":";
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      text += Array.from(packed.subarray(12)).join(".");
      break;
    }
    text += words[i]!.toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) text += ":";
  return text;
}

// ---- the hosts file and services -------------------------------------------------------------

const HOSTS_FILE = "/etc/hosts";
const SERVICES_FILE = "/etc/services";

interface HostsLine {
  readonly address: string;
  readonly names: readonly string[];
}

function hosts_lines(): HostsLine[] {
  let text: string;
  try {
    text = readFileSync(HOSTS_FILE, "latin1");
  } catch {
    return [];
  }
  const out: HostsLine[] = [];
  for (const raw of text.split("\n")) {
    const [address, ...names] = raw.split("#", 1)[0]!.trim().split(/\s+/);
    if (address !== undefined && names.length > 0 && (pton4(address) !== null || pton6(address) !== null)) {
      out.push({ address, names });
    }
  }
  return out;
}

/** Python's `socket.getservbyname(name, proto=None)`, from /etc/services. */
export function getservbyname(name: string, proto?: string | null): number {
  let text = "";
  try {
    text = readFileSync(SERVICES_FILE, "latin1");
  } catch {
    // no services file: every name is unknown
  }
  for (const raw of text.split("\n")) {
    const [svc, port_proto, ...aliases] = raw.split("#", 1)[0]!.trim().split(/\s+/);
    const m = /^(\d+)\/(\w+)$/.exec(port_proto ?? "");
    if (svc === undefined || m === null) continue;
    if ((svc === name || aliases.includes(name)) && (proto == null || m[2] === proto)) return Number(m[1]);
  }
  throw new OSError(null, "service/proto not found");
}

// ---- getaddrinfo and friends -----------------------------------------------------------------

/** One getaddrinfo answer: `[family, type, proto, canonname, sockaddr]`, as Python's tuples. */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: Address];

const gai = (n: number, text: string): gaierror => new gaierror(n, text);
const EAI_NONAME = (): gaierror => gai(-2, "Name or service not known");
const EAI_SERVICE = (): gaierror => gai(-8, "Servname not supported for ai_socktype");

interface Resolved {
  readonly addresses: readonly { family: number; host: string; scope: number }[];
  readonly canon: string;
}

/**
 * Names beyond the hosts file, through the system's resolver (glibc NSS: DNS, mDNS …) by
 * `getent ahosts`: synchronous and blocking, as Python's getaddrinfo is. Null when getent is
 * missing; an empty list when it found nothing.
 */
function getent(db: string, key: string): string[][] | null {
  const r = spawnSync("getent", [db, key], { encoding: "latin1", timeout: 30000 });
  if (r.error !== undefined || (r.status !== 0 && r.status !== 2)) return null;
  if (r.status === 2) return [];
  return r.stdout.split("\n").filter((l) => l.trim() !== "").map((l) => l.trim().split(/\s+/));
}

function resolve_host(host: string, family: number, flags: number): Resolved {
  // IP literals first, as getaddrinfo does; IPv6 may carry a numeric scope ("fe80::1%2").
  const v4 = parse_aton(host, false);
  if (v4 !== null) {
    if (family === AF_INET6) throw gai(-9, "Address family for hostname not supported");
    const text = inet_ntoa(v4);
    return { addresses: [{ family: AF_INET, host: text, scope: 0 }], canon: host };
  }
  const [bare, scope_text] = host.split("%", 2) as [string, string | undefined];
  const v6 = pton6(bare);
  if (v6 !== null && (scope_text === undefined || /^\d+$/.test(scope_text))) {
    if (family === AF_INET) throw gai(-9, "Address family for hostname not supported");
    return { addresses: [{ family: AF_INET6, host: inet_ntop(AF_INET6, v6), scope: Number(scope_text ?? 0) }], canon: host };
  }
  if ((flags & AI_NUMERICHOST) !== 0 || host === "") throw EAI_NONAME();
  const wanted = host.toLowerCase();
  const found: { family: number; host: string; scope: number }[] = [];
  let canon = "";
  for (const line of hosts_lines()) {
    if (!line.names.some((n) => n.toLowerCase() === wanted)) continue;
    const f = pton4(line.address) !== null ? AF_INET : AF_INET6;
    if (family !== AF_UNSPEC && f !== family) continue;
    if (canon === "") canon = line.names[0]!;
    if (!found.some((a) => a.host === line.address)) found.push({ family: f, host: line.address, scope: 0 });
  }
  if (found.length > 0) {
    // glibc sorts by RFC 6724; for the loopback and most hosts-file entries that puts IPv6 first.
    found.sort((a, b) => (a.family === b.family ? 0 : a.family === AF_INET6 ? -1 : 1));
    return { addresses: found, canon };
  }
  const rows = getent(family === AF_INET ? "ahostsv4" : family === AF_INET6 ? "ahostsv6" : "ahosts", host);
  if (rows === null) throw gai(-3, "Temporary failure in name resolution");
  const seen = new Set<string>();
  for (const [addr, , name] of rows) {
    if (addr === undefined || seen.has(addr)) continue;
    seen.add(addr);
    if (canon === "" && name !== undefined) canon = name;
    found.push({ family: pton4(addr) !== null ? AF_INET : AF_INET6, host: addr, scope: 0 });
  }
  if (found.length === 0) throw EAI_NONAME();
  return { addresses: found, canon: canon || host };
}

function service_port(port: string | number | null | undefined, type: number, flags: number): number | null {
  if (port === null || port === undefined) return 0;
  if (typeof port === "number") {
    if (!Number.isInteger(port)) throw new OSError(null, "Int or String expected");
    if (port < 0) throw EAI_SERVICE();
    return port & 0xffff;
  }
  if (/^\d+$/.test(port)) return Number(port) & 0xffff;
  if ((flags & AI_NUMERICSERV) !== 0) throw EAI_NONAME();
  try {
    return getservbyname(port, type === SOCK_DGRAM ? "udp" : "tcp");
  } catch {
    return null;
  }
}

/**
 * Python's `socket.getaddrinfo(host, port, family=0, type=0, proto=0, flags=0)`, synchronous:
 * IP literals and hosts-file names are answered in process; other names go through the system
 * resolver with `getent ahosts`, which blocks the process as Python's call does (gaierror
 * EAI_AGAIN, -3, where getent is missing). Addresses are plain numbers, not IntEnums.
 */
export function getaddrinfo(
  host: string | null | undefined,
  port: string | number | null | undefined,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): AddrInfo[] {
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) throw gai(-6, "ai_family not supported");
  if (type !== 0 && type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_RAW) throw gai(-7, "ai_socktype not supported");
  const named = typeof port === "string" && !/^\d+$/.test(port);
  const kinds = ([[SOCK_STREAM, IPPROTO_TCP], [SOCK_DGRAM, IPPROTO_UDP], [SOCK_RAW, 0]] as [number, number][]).filter(
    ([t, p]) => (type === 0 || t === type) && (proto === 0 || p === proto),
  );
  if (kinds.length === 0) throw gai(-7, "ai_socktype not supported");
  if ((host === null || host === undefined) && (port === null || port === undefined)) throw EAI_NONAME();
  // A service name is looked up per protocol and keeps the kinds it is known for (ftp: tcp only).
  const usable: [number, number, number][] = [];
  for (const [t, p] of kinds) {
    if (named && t === SOCK_RAW) continue;
    const n = service_port(port, t, flags);
    if (n !== null) usable.push([t, p, n]);
  }
  if (usable.length === 0) throw EAI_SERVICE();
  let resolved: Resolved;
  if (host === null || host === undefined) {
    const passive = (flags & AI_PASSIVE) !== 0;
    const v4 = { family: AF_INET, host: passive ? "0.0.0.0" : "127.0.0.1", scope: 0 };
    const v6 = { family: AF_INET6, host: passive ? "::" : "::1", scope: 0 };
    const both = passive ? [v4, v6] : [v6, v4];
    resolved = { addresses: both.filter((a) => family === AF_UNSPEC || a.family === family), canon: "" };
  } else resolved = resolve_host(host, family, flags);
  const out: AddrInfo[] = [];
  for (const a of resolved.addresses) {
    for (const [t, p, n] of usable) {
      const canon = out.length === 0 && (flags & AI_CANONNAME) !== 0 ? resolved.canon : "";
      out.push([a.family, t, p, canon, a.family === AF_INET6 ? [a.host, n, 0, a.scope] : [a.host, n]]);
    }
  }
  return out;
}

/** Python's `socket.gethostbyname(name)`: an IPv4 address as text ("" is 0.0.0.0). */
export function gethostbyname(name: string): string {
  if (name === "") return "0.0.0.0";
  if (name === "<broadcast>") return "255.255.255.255";
  const first = getaddrinfo(name, null, AF_INET)[0]!;
  return (first[4] as [string, number])[0];
}

/** Python's `socket.gethostname()`: os.hostname(). */
export function gethostname(): string {
  return hostname();
}

/**
 * Python's `socket.gethostbyaddr(ip_address)`: `[hostname, aliases, addresses]` from the hosts
 * file's first line for the address, else the system resolver (`getent hosts`); herror
 * "[Errno 1] Unknown host" when neither knows it.
 */
export function gethostbyaddr(ip_address: string): [string, string[], string[]] {
  const info = getaddrinfo(ip_address, null, AF_UNSPEC, SOCK_STREAM)[0]!;
  const address = (info[4] as [string, number])[0];
  const bytes = info[0] === AF_INET ? pton4(address)! : pton6(address)!;
  for (const line of hosts_lines()) {
    const b = pton4(line.address) ?? pton6(line.address);
    if (b !== null && b.equals(bytes)) return [line.names[0]!, line.names.slice(1), [address]];
  }
  const rows = getent("hosts", address);
  const row = rows?.[0];
  if (row !== undefined && row.length >= 2) return [row[1]!, row.slice(2), [address]];
  throw new herror(1, "Unknown host");
}

/** Python's `socket.getfqdn(name='')`: the first dotted name among gethostbyaddr's, else its hostname. */
export function getfqdn(name = ""): string {
  name = name.trim();
  if (name === "" || name === "0.0.0.0" || name === "::") name = gethostname();
  let answer: [string, string[], string[]];
  try {
    answer = gethostbyaddr(name);
  } catch (e) {
    if (e instanceof OSError) return name;
    throw e;
  }
  const [host, aliases] = answer;
  return [host, ...aliases].find((n) => n.includes(".")) ?? host;
}
