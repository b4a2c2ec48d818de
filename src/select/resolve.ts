// select/poll arguments (fds or objects with fileno()) turned into the descriptors they name.
import { EBADF, OverflowError, ValueError, os_error } from "../errno/index.js";
import { lookup_fd, type Pollable } from "../socket/index.js";

/** Anything select() accepts: an fd, or an object with fileno(). */
export type FileLike = number | { fileno(): number };

/** The fd of an argument, checked as Python's PyObject_AsFileDescriptor does. */
export function fd_of(obj: FileLike): number {
  let fd: unknown = obj;
  if (typeof obj === "object" && obj !== null && typeof obj.fileno === "function") fd = obj.fileno();
  else if (typeof obj !== "number") {
    throw new TypeError("argument must be an int, or have a fileno() method.");
  }
  if (typeof fd !== "number" || !Number.isInteger(fd)) {
    throw new TypeError("fileno() returned a non-integer");
  }
  if (fd < 0) throw new ValueError(`file descriptor cannot be a negative integer (${fd})`);
  return fd;
}

/** The open descriptor behind an argument; EBADF when none is open under that number. */
export function pollable_of(obj: FileLike): Pollable {
  const p = lookup_fd(fd_of(obj));
  if (p === undefined) throw os_error(EBADF);
  return p;
}

/** select()'s three lists as Python's seq2set checks them: a non-empty str is a sequence of non-files. */
export function check_sequences(...lists: readonly unknown[]): void {
  for (const l of lists) {
    if (Array.isArray(l)) continue;
    if (typeof l === "string") {
      if (l.length > 0) throw new TypeError("argument must be an int, or have a fileno() method.");
      continue;
    }
    throw new TypeError("arguments 1-3 must be sequences");
  }
}

/** A poll eventmask as Python's unsigned-short converter checks it. */
export function check_eventmask(mask: unknown): number {
  if (typeof mask !== "number" || !Number.isInteger(mask)) throw new TypeError("an integer is required");
  if (mask < 0) throw new ValueError("value must be positive");
  if (mask > 0xffff) throw new OverflowError("Python int too large for C unsigned short");
  return mask;
}
