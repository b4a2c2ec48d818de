// Waits on sinon's fake clock: whether a promise has settled yet, and one that settles exactly at its deadline.
import { expect } from "chai";
import type { SinonFakeTimers } from "sinon";

/** `p` and whether it has settled (either way), readable while it is pending. */
export function tracked<T>(p: Promise<T>): { settled: () => boolean; p: Promise<T> } {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  return { settled: () => done, p };
}

/** Asserts that `p` is still pending `ms - 1` fake milliseconds on and settled at `ms`; its answer. */
export async function settles_at<T>(clock: SinonFakeTimers, p: Promise<T>, ms: number): Promise<T> {
  const w = tracked(p);
  await clock.tickAsync(ms - 1);
  expect(w.settled()).to.equal(false);
  await clock.tickAsync(1);
  expect(w.settled()).to.equal(true);
  return w.p;
}
