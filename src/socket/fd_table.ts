// The process's emulated descriptor numbers: small, never reused (cpython#75114), and a lookup table.
import type { Pollable } from "./readiness.js";

let next_fd = 3;

/**
 * The open descriptors, in pages of PAGE numbers, each page found by its number (fd / PAGE) and
 * counting how many of its descriptors are open. Numbers are handed out in order and never again,
 * so a page fills from its start and, once every descriptor of a full page is closed, is let go
 * for good: what the table holds follows the open descriptors, however many were ever handed out
 * (a long-lived listener's page stays, the pages after it go). Not a Map per descriptor: a server
 * that accepts and closes connections all the time made such a Map rehash (a new table) every few
 * connections, and a Map's entry costs several times a page's slot.
 */
const PAGE = 256;

interface Page {
  readonly slots: (Pollable | undefined)[];
  open: number;
}

const pages = new Map<number, Page>();

/** The page `fd` would be on; Math.floor, not a shift, so numbers past 2^31 still find theirs. */
function page_no(fd: number): number {
  return Math.floor(fd / PAGE);
}

/** A fresh descriptor number for `p`, never handed out before in this process. */
export function allocate_fd(p: Pollable): number {
  const fd = next_fd++;
  const no = page_no(fd);
  let page = pages.get(no);
  if (page === undefined) {
    // The page before is full now: if all of it was closed while it filled, let it go.
    const before = pages.get(no - 1);
    if (before !== undefined && before.open === 0) pages.delete(no - 1);
    page = { slots: new Array<Pollable | undefined>(PAGE).fill(undefined), open: 0 };
    pages.set(no, page);
  }
  page.slots[fd - no * PAGE] = p;
  page.open++;
  return fd;
}

export function release_fd(fd: number): void {
  const no = page_no(fd);
  const page = pages.get(no);
  if (page === undefined || !Number.isInteger(fd)) return;
  const i = fd - no * PAGE;
  if (page.slots[i] === undefined) return;
  page.slots[i] = undefined;
  // A page still being filled stays (allocate_fd() lets it go once full, if nothing of it is open).
  if (--page.open === 0 && no !== page_no(next_fd - 1)) pages.delete(no);
}

/** The open descriptor with this number, if any. */
export function lookup_fd(fd: number): Pollable | undefined {
  const no = page_no(fd);
  const page = pages.get(no);
  return page === undefined || !Number.isInteger(fd) ? undefined : page.slots[fd - no * PAGE];
}

/** `fd` now names `p` (the ssl layer's wrap: the same number, a new socket object). */
export function replace_fd(fd: number, p: Pollable): void {
  const no = page_no(fd);
  const page = pages.get(no);
  if (page !== undefined && Number.isInteger(fd) && page.slots[fd - no * PAGE] !== undefined) page.slots[fd - no * PAGE] = p;
}

/** @internal How many pages the table holds (its tests check that it follows the open descriptors). */
export function pages_held(): number {
  return pages.size;
}
