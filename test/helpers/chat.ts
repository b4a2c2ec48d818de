// Test helpers for asynchat: a seeded PRNG and a framing target that records every call.
import type { framing_target, terminator } from "../../src/asynchat/index.js";

/** mulberry32: a small deterministic PRNG; the same seed gives the same sequence everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function rand_int(rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

/** A recorded call: ["c", data] for collect_incoming_data, ["f"] for found_terminator, ["m"] for a marker. */
export type call = ["c", Buffer] | ["f"] | ["m"];

/**
 * A framing target that records calls and, on each found_terminator, moves to the next
 * terminator of `schedule` (cycling), the way protocol code switches terminators.
 */
export class recorder implements framing_target {
  terminator: terminator = null;
  calls: call[] = [];
  private next = 0;

  constructor(private readonly schedule: terminator[] = []) {}

  get_terminator(): terminator {
    return this.terminator;
  }

  collect_incoming_data(data: Buffer): void {
    this.calls.push(["c", Buffer.from(data)]);
  }

  found_terminator(): void {
    this.calls.push(["f"]);
    if (this.schedule.length) this.terminator = this.schedule[this.next++ % this.schedule.length]!;
  }
}

/** Calls joined per item: consecutive collects concatenated, empty ones dropped. */
export function joined(calls: call[]): string[] {
  const out: string[] = [];
  let cur: Buffer[] = [];
  const flush = (tag: string): void => {
    out.push(`${tag}:${Buffer.concat(cur).toString("hex")}`);
    cur = [];
  };
  for (const c of calls) {
    if (c[0] === "c") cur.push(c[1]);
    else flush(c[0]);
  }
  if (cur.length) flush("rest");
  return out;
}

/** Cut `data` at the given offsets (sorted, within 0..length). */
export function cut(data: Buffer, at: number[]): Buffer[] {
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of at) {
    parts.push(data.subarray(prev, p));
    prev = p;
  }
  parts.push(data.subarray(prev));
  return parts;
}
