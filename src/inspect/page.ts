// The inspector's page: one self-contained HTML document, live or with a snapshot embedded.
import type { Snapshot } from "./protocol.js";
import { PAGE_SCRIPT } from "./page_script.js";
import { PAGE_STYLE } from "./page_style.js";

function escape_html(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end the script element holding it, whatever the channels' reprs say. */
function script_json(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

const LEGEND = `<footer id="legend"><h2>How to read it</h2><ul>
<li><span class="sw" style="background:var(--in)"></span> ready to read (POLLIN; select: read)</li>
<li><span class="sw" style="background:var(--out)"></span> ready to write (POLLOUT; select: write)</li>
<li><span class="sw" style="background:#f7f7f7;box-shadow:inset 0 0 0 1px #d0d0d0"></span> asked, not ready</li>
<li><span class="sw" style="background:var(--lane)"></span> in the map, not asked</li>
<li><span class="sw" style="box-shadow:inset 0 0 0 3px #c2001f"></span> HUP, ERR, NVAL, PRI (select: X, except)</li>
<li><b>r w</b> asked readable() / writable(); <u><b>underlined</b></u>: came back ready</li>
<li><b class="recv">\u21936</b> recv 6 B</li><li><b class="send">\u21916</b> send 6 B</li>
<li><b class="accept">+acc</b> accept</li><li><b class="connect">\u21c4con</b> connected</li>
<li><b class="close">\u2715</b> close</li><li><b class="error">\u26a0err</b> error</li>
</ul>Hover a cell for details; click a channel for its state, an iteration's number for the whole iteration.
Add <kbd>?window=N</kbd> to the address to show N iterations.`;

const LIVE_NOTE = ` Keys: <kbd>p</kbd> pause, <kbd>s</kbd> step, <kbd>r</kbd> resume. The inspector records while a page watches
(or the loop is paused); iterations in which only its own channels were ready are not drawn (they would draw themselves forever).`;

const CONTROLS = `<div id="controls" role="group" aria-label="Step mode">
<button type="button" id="pause" disabled title="Pause the loop at the end of the current iteration (key p)">Pause</button>
<button type="button" id="step" disabled title="Run one iteration, then pause again (key s)">Step</button>
<button type="button" id="resume" disabled title="Let the loop run (key r)">Resume</button>
</div>
<label><input type="checkbox" id="own" checked> inspector's channels</label>`;

/** The page; `embedded` (an exported file) draws that snapshot instead of connecting. */
export function page_html(embedded: Snapshot | null): string {
  const live = embedded === null;
  const title = embedded === null ? "asyncore-ts inspector" : `${embedded.title} – asyncore-ts inspector`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>${escape_html(title)}</title><style>${PAGE_STYLE}</style></head>
<body>
<header><h1>asyncore-ts inspector <small id="title"></small></h1><span id="mode"></span>
<span id="status" role="status">${live ? "connecting…" : "exported"}</span>
${live ? CONTROLS : ""}</header>
<main><div id="lanes" aria-label="Swimlanes: one row per channel, one column per loop iteration"></div>
<aside id="detail" aria-live="polite"><h2>Details</h2><p>Click a channel's name to see its state as Python prints it,
or an iteration's number to see all that happened in it.${live ? " Pause, then Step, to run the loop one iteration at a time." : ""}</p></aside></main>
${LEGEND}${live ? LIVE_NOTE : ""}</footer>
<script type="application/json" id="snapshot">${embedded === null ? "null" : script_json(embedded)}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
