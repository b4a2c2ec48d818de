// Python's built-in exceptions that the layers raise: OSError and its subclasses by errno, and the rest.
//
// Errors live in one module per layer, as Python defines each module's exceptions in that module:
// the built-ins here, at the bottom, so every layer can raise them; socket.gaierror in
// socket/errors.ts, asyncore.ExitNow in asyncore/errors.ts, asynchat's own in asynchat/errors.ts.
// One module for all would have to sit here too (a layer imports only from below) and would pull
// getaddrinfo's codes and the loop's ExitNow down into the errno layer. All share the base in
// exception.ts, which brands them so that instanceof holds across two copies of the package.
import {
  EACCES, EAGAIN, EALREADY, ECHILD, ECONNABORTED, ECONNREFUSED, ECONNRESET, EEXIST, EINPROGRESS,
  EINTR, EISDIR, ENOENT, ENOTDIR, EPERM, EPIPE, ESHUTDOWN, ESRCH, ETIMEDOUT, EWOULDBLOCK,
  errno_by_name, errorcode, strerror,
} from "./codes.js";
import { brand, Exception } from "./exception.js";

/** Python's `OSError`: `.errno`, `.strerror`, and `.code`, the errno's symbolic name. */
export class OSError extends Exception {
  static {
    brand(this, "builtins.OSError");
  }

  readonly errno: number | null;
  readonly strerror: string | null;
  readonly filename: string | null;
  readonly code: string;

  constructor(errno?: number | null, message?: string | null, filename?: string | null, options?: ErrorOptions) {
    const no = errno ?? null;
    const text = message ?? (no === null ? null : strerror(no));
    super(
      no === null ? (text ?? "") : `[Errno ${no}] ${text}${filename != null ? `: '${filename}'` : ""}`,
      options,
    );
    this.errno = no;
    // Python's one-argument form, OSError("AF_UNIX path too long"): no errno, no strerror, args (message,).
    this.strerror = no === null ? null : text;
    this.filename = filename ?? null;
    this.code = no === null ? "EUNKNOWN" : (errorcode.get(no) ?? `E${no}`);
  }

  /** The errno as Python's `e.args` would show it: (errno, strerror), or (message,) / () without an errno. */
  get args(): readonly (number | string | null)[] {
    if (this.errno === null) return this.message === "" ? [] : [this.message];
    return [this.errno, this.strerror];
  }
}

export class BlockingIOError extends OSError {
  static { brand(this, "builtins.BlockingIOError"); }
}
export class ConnectionError extends OSError {
  static { brand(this, "builtins.ConnectionError"); }
}
export class BrokenPipeError extends ConnectionError {
  static { brand(this, "builtins.BrokenPipeError"); }
}
export class ConnectionAbortedError extends ConnectionError {
  static { brand(this, "builtins.ConnectionAbortedError"); }
}
export class ConnectionRefusedError extends ConnectionError {
  static { brand(this, "builtins.ConnectionRefusedError"); }
}
export class ConnectionResetError extends ConnectionError {
  static { brand(this, "builtins.ConnectionResetError"); }
}
export class TimeoutError extends OSError {
  static { brand(this, "builtins.TimeoutError"); }
}
export class InterruptedError extends OSError {
  static { brand(this, "builtins.InterruptedError"); }
}
export class FileNotFoundError extends OSError {
  static { brand(this, "builtins.FileNotFoundError"); }
}
export class FileExistsError extends OSError {
  static { brand(this, "builtins.FileExistsError"); }
}
export class IsADirectoryError extends OSError {
  static { brand(this, "builtins.IsADirectoryError"); }
}
export class NotADirectoryError extends OSError {
  static { brand(this, "builtins.NotADirectoryError"); }
}
export class PermissionError extends OSError {
  static { brand(this, "builtins.PermissionError"); }
}
export class ChildProcessError extends OSError {
  static { brand(this, "builtins.ChildProcessError"); }
}
export class ProcessLookupError extends OSError {
  static { brand(this, "builtins.ProcessLookupError"); }
}

/** Python's `ValueError`. */
export class ValueError extends Exception {
  static { brand(this, "builtins.ValueError"); }
}

/** Python's `UnicodeError`, the base of the codec errors. */
export class UnicodeError extends ValueError {
  static { brand(this, "builtins.UnicodeError"); }
}

/** How Python's UnicodeError messages show one code point: '\\xe9', '\\u20ac', '\\U0001f600'. */
function escaped(cp: number): string {
  const hex = cp.toString(16);
  return cp <= 0xff ? `\\x${hex.padStart(2, "0")}` : cp <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`;
}

/**
 * Python's `UnicodeEncodeError(encoding, object, start, end, reason)`: code points
 * `[start, end)` of `object` (positions count code points, as Python's str does, not UTF-16
 * units) cannot be encoded. The message is Python's, e.g. "'ascii' codec can't encode
 * character '\\xe9' in position 3: ordinal not in range(128)".
 */
export class UnicodeEncodeError extends UnicodeError {
  static { brand(this, "builtins.UnicodeEncodeError"); }

  constructor(
    readonly encoding: string = "",
    readonly object: string = "",
    readonly start: number = 0,
    readonly end: number = 0,
    readonly reason: string = "",
  ) {
    const cps = Array.from(object);
    super(end === start + 1 && start < cps.length
      ? `'${encoding}' codec can't encode character '${escaped(cps[start]!.codePointAt(0)!)}' in position ${start}: ${reason}`
      : `'${encoding}' codec can't encode characters in position ${start}-${end - 1}: ${reason}`);
  }
}

/**
 * Python's `UnicodeDecodeError(encoding, object, start, end, reason)`: bytes `[start, end)` of
 * `object` cannot be decoded, e.g. "'utf-8' codec can't decode byte 0xff in position 0:
 * invalid start byte".
 */
export class UnicodeDecodeError extends UnicodeError {
  static { brand(this, "builtins.UnicodeDecodeError"); }

  constructor(
    readonly encoding: string = "",
    readonly object: Uint8Array = new Uint8Array(0),
    readonly start: number = 0,
    readonly end: number = 0,
    readonly reason: string = "",
  ) {
    super(end === start + 1 && start < object.length
      ? `'${encoding}' codec can't decode byte 0x${object[start]!.toString(16).padStart(2, "0")} in position ${start}: ${reason}`
      : `'${encoding}' codec can't decode bytes in position ${start}-${end - 1}: ${reason}`);
  }
}

/** Python's `LookupError`: an unknown key or name (asynchat: an unknown codec). */
export class LookupError extends Exception {
  static { brand(this, "builtins.LookupError"); }
}

/** Python's `KeyError` (a LookupError), raised by `select.poll().unregister()` of an unknown fd. */
export class KeyError extends LookupError {
  static { brand(this, "builtins.KeyError"); }

  constructor(key: unknown) {
    super(String(key));
  }
}

/** Python's `ArithmeticError`, the base of OverflowError. */
export class ArithmeticError extends Exception {
  static { brand(this, "builtins.ArithmeticError"); }
}

/** Python's `OverflowError`: a number out of range, such as a port above 65535. */
export class OverflowError extends ArithmeticError {
  static { brand(this, "builtins.OverflowError"); }
}

/** Python's `RuntimeError`, the base of NotImplementedError. */
export class RuntimeError extends Exception {
  static { brand(this, "builtins.RuntimeError"); }
}

/** Python's `NotImplementedError`: asyncore's and asynchat's abstract methods raise it. */
export class NotImplementedError extends RuntimeError {
  static { brand(this, "builtins.NotImplementedError"); }
}

/** Python's `AttributeError`: a dispatcher's socket methods before create_socket(), as on CPython's `None`. */
export class AttributeError extends Exception {
  static { brand(this, "builtins.AttributeError"); }
}

/** Python's `AssertionError`: compact_traceback() with no error to describe. */
export class AssertionError extends Exception {
  static { brand(this, "builtins.AssertionError"); }
}

const subclass = new Map<number, typeof OSError>([
  [EAGAIN, BlockingIOError],
  [EWOULDBLOCK, BlockingIOError],
  [EALREADY, BlockingIOError],
  [EINPROGRESS, BlockingIOError],
  [EPIPE, BrokenPipeError],
  [ESHUTDOWN, BrokenPipeError],
  [ECONNABORTED, ConnectionAbortedError],
  [ECONNREFUSED, ConnectionRefusedError],
  [ECONNRESET, ConnectionResetError],
  [ETIMEDOUT, TimeoutError],
  [EINTR, InterruptedError],
  [ENOENT, FileNotFoundError],
  [EEXIST, FileExistsError],
  [EISDIR, IsADirectoryError],
  [ENOTDIR, NotADirectoryError],
  [EACCES, PermissionError],
  [EPERM, PermissionError],
  [ECHILD, ChildProcessError],
  [ESRCH, ProcessLookupError],
]);

/** `OSError(errno, strerror)` as Python builds it: the subclass that matches the errno. */
export function os_error(errno: number, message?: string, filename?: string, options?: ErrorOptions): OSError {
  const cls = subclass.get(errno) ?? OSError;
  return new cls(errno, message ?? strerror(errno), filename, options);
}

/** The errno of a Node system error (`err.code` such as "ECONNRESET"), or EIO when unknown. */
export function errno_from_node(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    const n = errno_by_name(code);
    if (n !== undefined) return n;
  }
  const raw = (err as { errno?: unknown } | null)?.errno;
  if (typeof raw === "number" && raw !== 0) return Math.abs(raw);
  return errno_by_name("EIO") ?? 5;
}

/** A Node error turned into the Python OSError it stands for, the Node error kept as its `cause`. */
export function from_node_error(err: unknown): OSError {
  if (err instanceof OSError) return err;
  return os_error(errno_from_node(err), undefined, undefined, { cause: err });
}
