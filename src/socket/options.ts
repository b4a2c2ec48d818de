// Per-socket options that the emulation reads at use time (SO_SNDBUF and friends).
import { EINVAL, ENOPROTOOPT, os_error } from "../errno/index.js";
import {
  DEFAULT_RCVBUF, DEFAULT_SNDBUF, IPPROTO_IPV6, IPPROTO_TCP, IPV6_V6ONLY, SOL_SOCKET, SO_KEEPALIVE,
  SO_LINGER, SO_OOBINLINE, SO_RCVBUF, SO_REUSEADDR, SO_REUSEPORT, SO_SNDBUF, TCP_NODELAY,
} from "./constants.js";
import { as_buffer, type BytesLike } from "./bytes.js";
import { check_reuseport } from "./sharing.js";

export interface SocketOptions {
  sndbuf: number;
  rcvbuf: number;
  nodelay: boolean;
  keepalive: boolean;
  reuseaddr: boolean;
  reuseport: boolean;
  /** SO_LINGER: null when off; 0 means close() resets the connection. */
  linger: number | null;
  v6only: boolean;
  /** SO_OOBINLINE: kept for getsockopt only; Node's kernel socket never has it (PORTING.md). */
  oobinline: boolean;
}

export function default_options(): SocketOptions {
  return {
    sndbuf: DEFAULT_SNDBUF,
    rcvbuf: DEFAULT_RCVBUF,
    nodelay: false,
    keepalive: false,
    reuseaddr: false,
    reuseport: false,
    linger: null,
    v6only: false,
    oobinline: false,
  };
}

/** The options kept in SocketOptions, by (level, option). */
type FlagKey = "reuseaddr" | "reuseport" | "keepalive" | "nodelay" | "v6only" | "oobinline";
type SizeKey = "sndbuf" | "rcvbuf";
export type OptionKey = FlagKey | SizeKey | "linger";

const STORED: ReadonlyArray<readonly [level: number, option: number, key: FlagKey | SizeKey]> = [
  [SOL_SOCKET, SO_REUSEADDR, "reuseaddr"],
  [SOL_SOCKET, SO_REUSEPORT, "reuseport"],
  [SOL_SOCKET, SO_KEEPALIVE, "keepalive"],
  [SOL_SOCKET, SO_OOBINLINE, "oobinline"],
  [SOL_SOCKET, SO_SNDBUF, "sndbuf"],
  [SOL_SOCKET, SO_RCVBUF, "rcvbuf"],
  [IPPROTO_TCP, TCP_NODELAY, "nodelay"],
  [IPPROTO_IPV6, IPV6_V6ONLY, "v6only"],
];

function stored_key(level: number, option: number): FlagKey | SizeKey | undefined {
  for (const [l, o, key] of STORED) if (l === level && o === option) return key;
  return undefined;
}

function int_value(value: number | boolean | BytesLike): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return Number(value);
  const b = as_buffer(value);
  if (b.length < 4) throw os_error(EINVAL);
  return b.readInt32LE(0);
}

/**
 * setsockopt() for the options the emulation keeps: stores the value and returns which one
 * changed, for the socket's endpoint to apply. ENOPROTOOPT for options it does not know, and
 * for SO_REUSEPORT on a Node that cannot set it (the value then stays as it was).
 */
export function store_option(o: SocketOptions, level: number, option: number, value: number | boolean | BytesLike): OptionKey {
  if (level === SOL_SOCKET && option === SO_LINGER) {
    // struct linger {int l_onoff; int l_linger;}, as Python passes it: struct.pack('ii', …)
    if (typeof value === "number" || typeof value === "boolean") throw os_error(EINVAL);
    const b = as_buffer(value);
    if (b.length < 8) throw os_error(EINVAL);
    o.linger = b.readInt32LE(0) !== 0 ? b.readInt32LE(4) : null;
    return "linger";
  }
  const key = stored_key(level, option);
  if (key === undefined) throw os_error(ENOPROTOOPT);
  const n = int_value(value);
  if (key === "reuseport" && n !== 0) check_reuseport();
  if (key === "sndbuf" || key === "rcvbuf") o[key] = Math.max(n, 1);
  else o[key] = n !== 0;
  return key;
}

/** getsockopt() of a kept option: the int (or struct linger bytes), null if not kept here. */
export function read_option(o: SocketOptions, level: number, option: number): number | Buffer | null {
  if (level === SOL_SOCKET && option === SO_LINGER) {
    const b = Buffer.alloc(8);
    b.writeInt32LE(o.linger === null ? 0 : 1, 0);
    b.writeInt32LE(o.linger ?? 0, 4);
    return b;
  }
  const key = stored_key(level, option);
  if (key === undefined) return null;
  return typeof o[key] === "boolean" ? Number(o[key]) : (o[key] as number);
}

/** A getsockopt() answer: the int itself, or its bytes when Python asked for `buflen` bytes. */
export function option_result(v: number | Buffer, buflen?: number): number | Buffer {
  if (Buffer.isBuffer(v)) return buflen === undefined ? v.readInt32LE(0) : v.subarray(0, buflen);
  if (buflen === undefined) return v;
  const b = Buffer.alloc(Math.max(buflen, 4));
  b.writeInt32LE(v, 0);
  return b.subarray(0, buflen);
}
