// A callgrind dump's instructions by kind (copies, AES-GCM, V8 builtins, …) and by JavaScript function, JIT code named through V8's perf map (`tls_callgrind.ts --js`).
import { readFileSync } from "node:fs";

/** [start, size, name, order in the map] of each code object V8 reported (`--perf-basic-prof`). */
type Code = [number, number, string, number];

function read_perf_map(path: string): Code[] {
  const codes: Code[] = [];
  let i = 0;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m) codes.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16), m[3]!, i++]);
  }
  return codes.sort((a, b) => a[0] - b[0] || a[3] - b[3]);
}

/** The code object holding `addr`; where V8 reused the address, the one it reported last. */
function code_at(codes: Code[], addr: number): string | null {
  let lo = 0;
  let hi = codes.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (codes[mid]![0] <= addr) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  let pick: Code | null = null;
  for (let i = best; i >= 0 && i > best - 64; i--) {
    const c = codes[i]!;
    if (addr < c[0] + c[1] && (pick === null || c[3] > pick[3])) pick = c;
  }
  return pick === null ? null : pick[2];
}

function kind_of(fn: string): string {
  if (fn.startsWith("Builtins_")) return "V8 builtins (interpreter, baseline code's inline caches, …)";
  // Names may begin with a return type ("void v8::internal::…", "auto v8::internal::…").
  if (fn.includes("v8::internal::compiler::")) return "V8's optimizing compiler";
  if (/\b(v8|heap|cppgc)::/.test(fn)) return "V8 runtime and GC";
  if (/\bnode::/.test(fn)) return "Node's C++";
  if (/memcpy|memmove/.test(fn)) return "memcpy";
  if (/aesni|ghash|gcm_/i.test(fn)) return "AES-GCM";
  if (/^(_int_)?(malloc|free|calloc|realloc)|^malloc_|^_int_/.test(fn)) return "malloc/free";
  if (/^uv_|^uv__/.test(fn)) return "libuv";
  return "OpenSSL, libc, other";
}

export interface JsProfile {
  /** Instructions by kind, JIT code apart. */
  kinds: Map<string, number>;
  /** Instructions of each JavaScript function's own JIT code (not what it calls). */
  functions: Map<string, number>;
}

/**
 * Self instructions per function of a callgrind dump (`positions: line`, one event): the cost
 * lines under each `fn=`, less those that follow a `calls=` line (a call's inclusive cost).
 */
export function js_profile(dump: string, perf_map: string): JsProfile {
  const codes = read_perf_map(perf_map);
  const names = new Map<string, string>();
  const self = new Map<string, number>();
  let cur: string | null = null;
  let after_call = false;
  for (const line of readFileSync(dump, "utf8").split("\n")) {
    const fn = /^(c?)fn=\((\d+)\)(?: (.*))?$/.exec(line);
    if (fn) {
      if (fn[3] !== undefined) names.set(fn[2]!, fn[3]);
      if (fn[1] === "") {
        cur = names.get(fn[2]!) ?? null;
        after_call = false;
      }
      continue;
    }
    if (line.startsWith("calls=")) {
      after_call = true;
      continue;
    }
    if (/^[0-9+*-]/.test(line)) {
      if (after_call) {
        after_call = false;
        continue;
      }
      const v = Number(line.trim().split(/\s+/)[1] ?? 0);
      if (cur !== null && !Number.isNaN(v)) self.set(cur, (self.get(cur) ?? 0) + v);
    }
  }
  const kinds = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [fn, v] of self) {
    let kind: string;
    if (/^0x[0-9a-f]+$/.test(fn)) {
      const name = code_at(codes, parseInt(fn, 16));
      kind = name === null ? "JIT code, unnamed" : "JIT code (JavaScript)";
      if (name !== null) functions.set(name, (functions.get(name) ?? 0) + v);
    } else kind = kind_of(fn);
    kinds.set(kind, (kinds.get(kind) ?? 0) + v);
  }
  return { kinds, functions };
}

/** The profile per operation: kinds, then the `top` JavaScript functions. */
export function format_js_profile(p: JsProfile, per: number, top: number): string {
  const k = (x: number): string => `${(x / per / 1000).toFixed(1)}k`.padStart(10);
  const out = ["instructions by kind:"];
  for (const [kind, v] of [...p.kinds].sort((a, b) => b[1] - a[1])) out.push(`${k(v)}  ${kind}`);
  out.push(`JavaScript functions, own JIT code (* optimized, ^ baseline, ~ interpreted: the interpreter's work is in the builtins):`);
  for (const [name, v] of [...p.functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    out.push(`${k(v)}  ${name.replace(/^JS:/, "").replace(/file:\/\/\/.*?\/dist\//, "")}`);
  }
  return out.join("\n");
}
