// What each stress program's report must show, shared by the short forms (npm test) and the long ones (npm run soak).
import type { Sample } from "./probe.js";

export interface SoakReport {
  readonly connections: number;
  readonly fin: number;
  readonly resets: number;
  readonly bytes_checked: number;
  readonly mismatches: number;
  readonly client_errors: number;
  readonly start: Sample;
  readonly end: Sample;
}

export interface SlowReaderReport {
  readonly received: number;
  readonly expected: number;
  readonly mismatches: number;
  readonly rss_start: number;
  readonly stalled: { readonly heap_mib: number; readonly rss_mib: number };
  readonly start: Sample;
  readonly end: Sample;
}

export interface EmfileReport {
  readonly storms: readonly { readonly ok: number; readonly failed: number }[];
  readonly after: readonly number[];
  readonly listening: boolean;
  readonly start: Sample;
  readonly end: Sample;
}

export interface RetentionReport {
  readonly start: Sample;
  readonly end: Sample;
}

/** The failures in a report, as sentences; none means it passed. */
export type Check<R> = (r: R, heap_tolerance_mib: number) => string[];

function same_descriptors(start: Sample, end: Sample): string[] {
  const out: string[] = [];
  if (end.fds !== start.fds) out.push(`emulated fds ${start.fds} → ${end.fds}`);
  if (end.os_fds !== start.os_fds) out.push(`/proc/self/fd ${start.os_fds} → ${end.os_fds}`);
  if (end.map !== start.map) out.push(`map size ${start.map} → ${end.map}`);
  return out;
}

function heap_back(start: Sample, end: Sample, tolerance_mib: number): string[] {
  const d = end.heap_mib - start.heap_mib;
  return d > tolerance_mib ? [`heap after GC ${start.heap_mib} → ${end.heap_mib} MiB (+${d.toFixed(2)}, allowed ${tolerance_mib})`] : [];
}

export const check_soak: Check<SoakReport> = (r, tol) => [
  ...(r.mismatches ? [`${r.mismatches} mismatches`] : []),
  ...(r.client_errors ? [`${r.client_errors} errors on connections meant to end with a FIN`] : []),
  ...(r.bytes_checked === 0 ? ["no bytes checked"] : []),
  ...same_descriptors(r.start, r.end),
  ...heap_back(r.start, r.end, tol),
];

export const check_slow_reader = (stall_bound_mib: number): Check<SlowReaderReport> => (r) => [
  ...(r.received !== r.expected ? [`received ${r.received} of ${r.expected}`] : []),
  ...(r.mismatches ? [`${r.mismatches} mismatches`] : []),
  ...(r.stalled.rss_mib - r.rss_start > stall_bound_mib
    ? [`RSS grew ${(r.stalled.rss_mib - r.rss_start).toFixed(1)} MiB while the peer stalled (allowed ${stall_bound_mib})`]
    : []),
  ...(r.end.fds !== 0 || r.end.map !== 0 ? [`left open: ${r.end.fds} fds, ${r.end.map} channels`] : []),
];

export const check_emfile: Check<EmfileReport> = (r, tol) => [
  ...(r.storms.every((s) => s.failed === 0) ? ["no connection failed: the descriptor limit was never reached"] : []),
  ...(r.after.some((n) => n !== 20) ? [`echo round trips after each storm: ${r.after.join(", ")} of 20`] : []),
  ...(r.listening ? [] : ["the listener left the map"]),
  ...same_descriptors(r.start, r.end),
  ...heap_back(r.start, r.end, tol),
];

export const check_retention: Check<RetentionReport> = (r, tol) => [...same_descriptors(r.start, r.end), ...heap_back(r.start, r.end, tol)];
