// The descriptor table: numbers handed out in order and never again, found while open and only then, across its pages.
import { expect } from "chai";
import { allocate_fd, lookup_fd, pages_held, release_fd, replace_fd } from "../../src/socket/fd_table.js";
import type { Pollable } from "../../src/socket/readiness.js";

/** A stand-in descriptor: the table only stores and returns it. */
function thing(name: string): Pollable {
  return { name } as unknown as Pollable;
}

describe("fd_table", () => {
  it("hands out consecutive numbers never seen before, and finds each while it is open (1,200 of them, across many pages, released out of order)", () => {
    const open = new Map<number, Pollable>();
    const seen = new Set<number>();
    let last = -1;
    for (let i = 0; i < 1200; i++) {
      const p = thing(`p${i}`);
      const fd = allocate_fd(p);
      expect(seen.has(fd)).to.equal(false);
      if (last >= 0) expect(fd).to.equal(last + 1);
      last = fd;
      seen.add(fd);
      open.set(fd, p);
      // Release in an order that empties whole pages, pages still filling, and leaves stragglers.
      if (i % 3 === 2 || (i > 300 && i < 700)) {
        const victim = i % 7 === 0 ? fd - 2 : fd;
        if (open.has(victim)) {
          release_fd(victim);
          open.delete(victim);
        }
      }
    }
    for (const fd of seen) expect(lookup_fd(fd)).to.equal(open.get(fd));
    for (const fd of [...open.keys()]) {
      release_fd(fd);
      expect(lookup_fd(fd)).to.equal(undefined);
    }
    // A released number is not handed out again, and the next is still found.
    const p = thing("next");
    const fd = allocate_fd(p);
    expect(fd).to.equal(last + 1);
    expect(lookup_fd(fd)).to.equal(p);
    release_fd(fd);
  });

  it("keeps a page whose numbers were all released while it was still being filled", () => {
    const a = allocate_fd(thing("a"));
    release_fd(a);
    const b = thing("b");
    const fd = allocate_fd(b);
    expect(fd).to.equal(a + 1);
    expect(lookup_fd(fd)).to.equal(b);
    expect(lookup_fd(a)).to.equal(undefined);
    release_fd(fd);
  });

  it("finds nothing under a number never handed out, a negative, a fraction, NaN or a huge number", () => {
    const p = thing("p");
    const fd = allocate_fd(p);
    for (const n of [fd + 1, fd + 1000, -1, -fd, fd + 0.5, Number.NaN, 2 ** 31 + fd, 2 ** 53]) {
      expect(lookup_fd(n), String(n)).to.equal(undefined);
    }
    expect(lookup_fd(fd)).to.equal(p);
    release_fd(fd);
    // Releasing again, or a number that is not open, changes nothing.
    release_fd(fd);
    release_fd(-1);
    release_fd(fd + 0.5);
    expect(lookup_fd(fd)).to.equal(undefined);
  });

  it("replace_fd() gives an open number a new object, and leaves a closed one closed", () => {
    const p = thing("p");
    const q = thing("q");
    const fd = allocate_fd(p);
    replace_fd(fd, q);
    expect(lookup_fd(fd)).to.equal(q);
    release_fd(fd);
    replace_fd(fd, p);
    expect(lookup_fd(fd)).to.equal(undefined);
  });
  it("holds pages for the open descriptors only: 100 pages' worth opened and closed behind one long-lived descriptor leave one page more than before (the page being filled)", () => {
    const listener = thing("listener");
    const kept = allocate_fd(listener);
    const before = pages_held();
    for (let i = 0; i < 100 * 256; i++) release_fd(allocate_fd(thing("c")));
    // The long-lived descriptor's page and the page being filled; none of the emptied ones between.
    expect(pages_held()).to.be.at.most(before + 1);
    expect(lookup_fd(kept)).to.equal(listener);
    release_fd(kept);
    expect(lookup_fd(kept)).to.equal(undefined);
  });
});
