// The process's emulated descriptor numbers: small, never reused (cpython#75114), and a lookup table.
import type { Pollable } from "./readiness.js";

let next_fd = 3;

/**
 * The open descriptors, in pages of PAGE numbers: `pages[fd >> PAGE_BITS][fd & MASK]`, and how many
 * of each page's are open. Numbers are handed out in order and never again, so a page fills from
 * its start and, once every descriptor of a full page is closed, is let go (undefined) for good.
 * Not a Map: a server that accepts and closes connections all the time made a Map rehash (a new
 * table) every few connections, and a Map's entry costs several times a page's slot.
 */
const PAGE_BITS = 8;
const PAGE = 1 << PAGE_BITS;
const MASK = PAGE - 1;
const pages: (Array<Pollable | undefined> | undefined)[] = [];
const open_in: number[] = [];

/** The page of `fd`, if it has one; undefined for a number never handed out, one of a page let go, or not a descriptor at all. */
function page_of(fd: number): Array<Pollable | undefined> | undefined {
  return (fd | 0) === fd && fd >= 0 ? pages[fd >> PAGE_BITS] : undefined;
}

/** A fresh descriptor number for `p`, never handed out before in this process. */
export function allocate_fd(p: Pollable): number {
  const fd = next_fd++;
  const i = fd >> PAGE_BITS;
  let page = pages[i];
  if (page === undefined) {
    page = new Array<Pollable | undefined>(PAGE).fill(undefined);
    pages[i] = page;
    open_in[i] = 0;
    // The page before is full now: if all of it was closed while it filled, let it go.
    if (i > 0 && open_in[i - 1] === 0) pages[i - 1] = undefined;
  }
  page[fd & MASK] = p;
  open_in[i]!++;
  return fd;
}

export function release_fd(fd: number): void {
  const page = page_of(fd);
  if (page === undefined || page[fd & MASK] === undefined) return;
  page[fd & MASK] = undefined;
  const i = fd >> PAGE_BITS;
  // A page still being filled stays (allocate_fd() lets it go once full, if nothing of it is open).
  if (--open_in[i]! === 0 && i !== (next_fd - 1) >> PAGE_BITS) pages[i] = undefined;
}

/** The open descriptor with this number, if any. */
export function lookup_fd(fd: number): Pollable | undefined {
  const page = page_of(fd);
  return page === undefined ? undefined : page[fd & MASK];
}

/** `fd` now names `p` (the ssl layer's wrap: the same number, a new socket object). */
export function replace_fd(fd: number, p: Pollable): void {
  const page = page_of(fd);
  if (page !== undefined && page[fd & MASK] !== undefined) page[fd & MASK] = p;
}
