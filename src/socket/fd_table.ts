// The process's emulated descriptor numbers: small, never reused (cpython#75114), and a lookup table.
import type { Pollable } from "./readiness.js";

let next_fd = 3;
const open = new Map<number, Pollable>();

/** A fresh descriptor number for `p`, never handed out before in this process. */
export function allocate_fd(p: Pollable): number {
  const fd = next_fd++;
  open.set(fd, p);
  return fd;
}

export function release_fd(fd: number): void {
  open.delete(fd);
}

/** The open descriptor with this number, if any. */
export function lookup_fd(fd: number): Pollable | undefined {
  return open.get(fd);
}

/** `fd` now names `p` (the ssl layer's wrap: the same number, a new socket object). */
export function replace_fd(fd: number, p: Pollable): void {
  if (open.has(fd)) open.set(fd, p);
}
