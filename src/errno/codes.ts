// errno numbers and names, as Python's `errno` module exposes them, read from the OS.
import { constants } from "node:os";
import { getSystemErrorMap } from "node:util";
import { LINUX_ALIASES, LINUX_ERRNO } from "./linux.js";

const on_linux = process.platform === "linux";

/** name → number: the OS's own table, completed on Linux with the names Node does not list (ESHUTDOWN…). */
const table: Readonly<Record<string, number>> = (() => {
  const t: Record<string, number> = {};
  if (on_linux) {
    for (const [n, name] of LINUX_ERRNO) t[name] = n;
    for (const [name, n] of LINUX_ALIASES) t[name] = n;
  }
  return Object.assign(t, constants.errno);
})();

/**
 * Python's `errno.errorcode`: number → symbolic name. Where two names share a number the first
 * (Python's choice: EAGAIN over EWOULDBLOCK, ENOTSUP over EOPNOTSUPP) wins.
 */
export const errorcode: ReadonlyMap<number, string> = (() => {
  const m = new Map<number, string>();
  if (on_linux) for (const [n, name] of LINUX_ERRNO) m.set(n, name);
  for (const [name, n] of Object.entries(constants.errno)) if (!m.has(n)) m.set(n, name);
  return m;
})();

/** The errno number for a name such as `"ECONNRESET"`, or undefined: Python's `getattr(errno, name, None)`. */
export function errno_by_name(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

/**
 * @deprecated Use `errno_by_name`. Kept so that imports written before the rename still work;
 * asyncore had a second `errno_of` (an error's `.errno`), now `errno_of_error`.
 */
export const errno_of = errno_by_name;

function num(name: string, linux: number): number {
  return table[name] ?? linux;
}

export const EPERM = num("EPERM", 1);
export const ENOENT = num("ENOENT", 2);
export const ESRCH = num("ESRCH", 3);
export const EINTR = num("EINTR", 4);
export const EIO = num("EIO", 5);
export const EBADF = num("EBADF", 9);
export const ECHILD = num("ECHILD", 10);
export const EAGAIN = num("EAGAIN", 11);
export const EWOULDBLOCK = num("EWOULDBLOCK", 11);
export const ENOMEM = num("ENOMEM", 12);
export const EACCES = num("EACCES", 13);
export const EFAULT = num("EFAULT", 14);
export const EEXIST = num("EEXIST", 17);
export const ENOTDIR = num("ENOTDIR", 20);
export const EISDIR = num("EISDIR", 21);
export const EINVAL = num("EINVAL", 22);
export const ENFILE = num("ENFILE", 23);
export const EMFILE = num("EMFILE", 24);
export const EPIPE = num("EPIPE", 32);
export const ENOTSOCK = num("ENOTSOCK", 88);
export const EDESTADDRREQ = num("EDESTADDRREQ", 89);
export const EMSGSIZE = num("EMSGSIZE", 90);
export const ENOPROTOOPT = num("ENOPROTOOPT", 92);
export const EPROTONOSUPPORT = num("EPROTONOSUPPORT", 93);
export const ESOCKTNOSUPPORT = num("ESOCKTNOSUPPORT", 94);
export const EOPNOTSUPP = num("EOPNOTSUPP", 95);
export const ENOTSUP = num("ENOTSUP", 95);
export const EAFNOSUPPORT = num("EAFNOSUPPORT", 97);
export const EADDRINUSE = num("EADDRINUSE", 98);
export const EADDRNOTAVAIL = num("EADDRNOTAVAIL", 99);
export const ENETDOWN = num("ENETDOWN", 100);
export const ENETUNREACH = num("ENETUNREACH", 101);
export const ECONNABORTED = num("ECONNABORTED", 103);
export const ECONNRESET = num("ECONNRESET", 104);
export const ENOBUFS = num("ENOBUFS", 105);
export const EISCONN = num("EISCONN", 106);
export const ENOTCONN = num("ENOTCONN", 107);
export const ESHUTDOWN = num("ESHUTDOWN", 108);
export const ETIMEDOUT = num("ETIMEDOUT", 110);
export const ECONNREFUSED = num("ECONNREFUSED", 111);
export const EHOSTUNREACH = num("EHOSTUNREACH", 113);
export const EALREADY = num("EALREADY", 114);
export const EINPROGRESS = num("EINPROGRESS", 115);

const messages = new Map<number, string>();
for (const [neg, [, message]] of getSystemErrorMap()) {
  // libuv's messages are lower-case ("connection refused"); the C library's are capitalised.
  messages.set(-neg, message.charAt(0).toUpperCase() + message.slice(1));
}
// On Linux, the C library's own wording (libuv's differs: "Socket is not connected" …).
if (on_linux) for (const [n, , message] of LINUX_ERRNO) messages.set(n, message);
messages.set(EAGAIN, "Resource temporarily unavailable");
messages.set(EINPROGRESS, "Operation now in progress");
messages.set(EBADF, "Bad file descriptor");

/** Python's `os.strerror(code)`. */
export function strerror(code: number): string {
  return messages.get(code) ?? `Unknown error ${code}`;
}
