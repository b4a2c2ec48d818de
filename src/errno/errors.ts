// Python's exception classes for OS and argument errors, instanceof-safe and carrying stable codes.
import {
  EACCES, EAGAIN, EALREADY, ECHILD, ECONNABORTED, ECONNREFUSED, ECONNRESET, EEXIST, EINPROGRESS,
  EINTR, EISDIR, ENOENT, ENOTDIR, EPERM, EPIPE, ESHUTDOWN, ESRCH, ETIMEDOUT, EWOULDBLOCK,
  errno_of, errorcode, strerror,
} from "./codes.js";

/** Python's `OSError`: `.errno`, `.strerror`, and `.code`, the errno's symbolic name. */
export class OSError extends Error {
  readonly errno: number | null;
  readonly strerror: string | null;
  readonly filename: string | null;
  readonly code: string;

  constructor(errno?: number | null, message?: string | null, filename?: string | null) {
    const no = errno ?? null;
    const text = message ?? (no === null ? null : strerror(no));
    super(
      no === null ? (text ?? "") : `[Errno ${no}] ${text}${filename != null ? `: '${filename}'` : ""}`,
    );
    this.errno = no;
    this.strerror = text;
    this.filename = filename ?? null;
    this.code = no === null ? "EUNKNOWN" : (errorcode.get(no) ?? `E${no}`);
    this.name = new.target.name;
  }

  /** The errno as Python's `e.args` would show it. */
  get args(): readonly [number | null, string | null] {
    return [this.errno, this.strerror];
  }
}

export class BlockingIOError extends OSError {}
export class ConnectionError extends OSError {}
export class BrokenPipeError extends ConnectionError {}
export class ConnectionAbortedError extends ConnectionError {}
export class ConnectionRefusedError extends ConnectionError {}
export class ConnectionResetError extends ConnectionError {}
export class TimeoutError extends OSError {}
export class InterruptedError extends OSError {}
export class FileNotFoundError extends OSError {}
export class FileExistsError extends OSError {}
export class IsADirectoryError extends OSError {}
export class NotADirectoryError extends OSError {}
export class PermissionError extends OSError {}
export class ChildProcessError extends OSError {}
export class ProcessLookupError extends OSError {}

/** Python's `ValueError`. */
export class ValueError extends Error {
  constructor(message?: string) {
    super(message);
    this.name = "ValueError";
  }
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
export function os_error(errno: number, message?: string, filename?: string): OSError {
  const cls = subclass.get(errno) ?? OSError;
  return new cls(errno, message ?? strerror(errno), filename);
}

/** The errno of a Node system error (`err.code` such as "ECONNRESET"), or EIO when unknown. */
export function errno_from_node(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    const n = errno_of(code);
    if (n !== undefined) return n;
  }
  const raw = (err as { errno?: unknown } | null)?.errno;
  if (typeof raw === "number" && raw !== 0) return Math.abs(raw);
  return errno_of("EIO") ?? 5;
}

/** A Node error turned into the Python OSError it stands for. */
export function from_node_error(err: unknown): OSError {
  if (err instanceof OSError) return err;
  return os_error(errno_from_node(err));
}
