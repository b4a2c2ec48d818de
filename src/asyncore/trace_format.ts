// A loop trace as a teacher draws it: one aligned block per iteration.
import type { Action, ChannelRef, IterationTrace } from "./trace.js";

export interface FormatOptions {
  /** Hide what varies between runs (wait times), for comparing runs. */
  readonly stable?: boolean;
}

function channels(list: readonly ChannelRef[]): string {
  return list.length ? list.map((c) => `${c.fd} ${short(c.repr)}`).join(", ") : "-";
}

/** `<EchoHandler connected 127.0.0.1:5000 at 0x…>` → `EchoHandler`: the class is what a reader follows. */
function short(repr: string): string {
  const m = /^<([\w$.]+)/.exec(repr);
  return m ? (m[1] as string) : repr;
}

function action(a: Action): string {
  switch (a.kind) {
    case "recv":
      return `recv ${a.bytes} B`;
    case "send":
      return `send ${a.bytes} B`;
    case "accept":
      return `accept ${a.peer}`;
    case "connect":
      return "connected";
    case "close":
      return "close";
    case "error":
      return `error ${a.error}`;
  }
}

const LABEL = 10;

function row(label: string, text: string): string {
  return `  ${label.padEnd(LABEL)}${text}`;
}

/** One iteration as lines of text. */
export function format_iteration(t: IterationTrace, opts: FormatOptions = {}): string {
  const timeout = t.timeout === null ? "forever" : `${t.timeout}s`;
  const head = `── #${t.iteration} ${t.mode === "select" ? "select()" : "poll()"} timeout ${timeout} `;
  const lines = [head.padEnd(72, "─")];
  if (t.mode === "select") {
    lines.push(row("read", channels(t.readable)));
    lines.push(row("write", channels(t.writable)));
    lines.push(row("except", channels(t.exceptional)));
  } else {
    lines.push(row("POLLIN", channels(t.readable)));
    lines.push(row("POLLOUT", channels(t.writable)));
  }
  const waited = opts.stable ? "" : ` after ${t.waited_ms.toFixed(2)} ms`;
  lines.push(row("woke", `${t.woke}${waited}`));
  for (const r of t.ready) lines.push(row("ready", `${r.fd} ${short(r.repr)}: ${r.events.join(" ")}`));
  for (const d of t.dispatched) {
    const did = d.actions.length ? d.actions.map(action).join(", ") : "(nothing)";
    lines.push(row("run", `${d.fd} ${short(d.repr)}.${d.handler} → ${did}`));
  }
  return lines.join("\n");
}
