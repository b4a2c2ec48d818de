// The inspector's page: one self-contained HTML document, live or with a snapshot embedded.
import type { Snapshot } from "./protocol.js";

/** The page; `embedded` (an exported file) draws that snapshot instead of connecting. */
export function page_html(embedded: Snapshot | null): string {
  const data = embedded === null ? "null" : JSON.stringify(embedded).replace(/</g, "\\u003c");
  return `<!doctype html><meta charset="utf-8"><title>asyncore-ts inspector</title>
<p>placeholder page</p><script>window.__SNAPSHOT__ = ${data};</script>`;
}
