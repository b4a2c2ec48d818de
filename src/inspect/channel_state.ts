// A live channel's attributes as Python would print them, for the page's channel panel.
import { async_chat } from "../asynchat/index.js";
import { dispatcher, dispatcher_with_send, type Channel } from "../asyncore/index.js";
import { repr_address } from "../asyncore/dispatcher.js";
import { bytes_repr } from "../asyncore/dispatcher_with_send.js";
import { errorcode } from "../errno/index.js";
import { socket } from "../socket/index.js";
import type { ChannelState } from "./protocol.js";

/** Python's repr of a str (single quotes unless the text holds one and no double quote). */
function str_repr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = [...s].map((c) => {
    if (c === "\\") return "\\\\";
    if (c === q) return `\\${q}`;
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.codePointAt(0) as number;
    if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
    return c;
  });
  return `${q}${body.join("")}${q}`;
}

/** get_terminator() as Python prints it: b'\r\n', 42, 'END' or None. */
export function terminator_repr(t: unknown): string {
  if (t === null || t === undefined) return "None";
  if (t instanceof Uint8Array) return bytes_repr(t);
  if (typeof t === "string") return str_repr(t);
  return String(t);
}

/** SO_ERROR without taking it: getsockopt would clear it, and the program may yet read it. */
function so_error(d: dispatcher): ChannelState["so_error"] {
  const s = d.socket;
  const v = s instanceof socket ? s.peek_so_error() : 0;
  if (v === 0) return 0;
  return { errno: v, name: errorcode.get(v) ?? `errno ${v}` };
}

/** The producer FIFO: its length as len() says, and its bytes when every entry is bytes or str. */
function fifo(ch: async_chat): { count: number; bytes: number | null } {
  let count = 0;
  let bytes: number | null = 0;
  for (const e of ch.producer_fifo) {
    count++;
    if (bytes === null) continue;
    if (e === null) continue;
    if (e instanceof Uint8Array || typeof e === "string") bytes += e.length;
    else bytes = null;
  }
  return { count, bytes };
}

/** `ch` (at `fd`) as Python would print its attributes. */
export function channel_state(fd: number, ch: Channel): ChannelState {
  const cls = (ch as object).constructor?.name ?? "Object";
  let repr: string;
  try {
    repr = String(ch);
  } catch {
    repr = "<repr failed>";
  }
  if (!(ch instanceof dispatcher)) {
    return { fd, cls, repr, connected: false, accepting: ch.accepting === true, connecting: false, addr: "None", so_error: 0 };
  }
  const base = {
    fd, cls, repr,
    connected: ch.connected, accepting: ch.accepting, connecting: ch.connecting,
    addr: ch.addr === null || ch.addr === undefined ? "None" : repr_address(ch.addr),
    so_error: so_error(ch),
  };
  if (ch instanceof async_chat) {
    return {
      ...base,
      chat: { terminator: terminator_repr(ch.get_terminator()), ac_in_buffer: ch.ac_in_buffer.length, producer_fifo: fifo(ch) },
    };
  }
  if (ch instanceof dispatcher_with_send) return { ...base, out_buffer: ch.out_buffer.length };
  return base;
}
