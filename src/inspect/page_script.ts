// The inspector page's script, as a string of plain browser JavaScript (no build step, no library).
//
// It keeps a bounded window of iterations and the channels that overlap it, and redraws the whole
// swimlane at most once per animation frame. Live, it reads GET /snapshot, then follows GET /events
// (server-sent events); exported, it draws the snapshot embedded in the page and connects nowhere.
// String.raw keeps the script's backslashes as they are written; the script uses no backquote.
export const PAGE_SCRIPT = String.raw`(function () {
"use strict";
var embedded = JSON.parse(document.getElementById("snapshot").textContent);
var live = embedded === null;
// The window: ?window=N, else 60 columns live, else all that the exported snapshot holds.
var wanted = Number(new URLSearchParams(location.search).get("window"));
var MAX_COLS = wanted >= 1 ? Math.floor(wanted) : live ? 60 : Math.max(1, embedded.iterations.length);
var title = "";
var channels = new Map();
var iterations = [];
var control = { paused: false, n: 0 };
var link = live ? "connecting" : "exported";
var selected = null;
var drawPending = false;
var state = { fd: null, text: null, busy: false, again: false, at: 0, timer: 0 };

function $(id) { return document.getElementById(id); }
// Only what changed is replaced: a selection, a hover or a screen reader's place survives a redraw.
var shown = {};
function put(id, html) {
  if (shown[id] === html) return false;
  shown[id] = html;
  $(id).innerHTML = html;
  return true;
}
function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
function has(list, x) { return list.indexOf(x) >= 0; }
function size(n) { return n < 1000 ? String(n) : n < 1e6 ? (n / 1e3).toFixed(n < 1e4 ? 1 : 0) + "k" : (n / 1e6).toFixed(1) + "M"; }
function ms(x) { return x < 1 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x < 1e4 ? String(Math.round(x)) : (x / 1e3).toFixed(1) + "s"; }

// ── what a handler did: [css class, glyph, words] ──
function action(a) {
  switch (a.kind) {
    case "recv": return ["recv", "\u2193" + size(a.bytes), "recv " + a.bytes + " B"];
    case "send": return ["send", "\u2191" + size(a.bytes), "send " + a.bytes + " B"];
    case "accept": return ["accept", "+acc", "accept " + a.peer];
    case "connect": return ["connect", "\u21c4con", "connected"];
    case "close": return ["close", "\u2715", "close"];
    case "error": return ["error", "\u26a0err", "error " + a.error];
  }
  return ["", "?", String(a.kind)];
}

// ── the model: a window of iterations, and the channels that overlap it ──
function lifetime(ch, n) { return n >= ch.first && (ch.last === null || n <= ch.last); }

function putChannel(row) {
  var old = channels.get(row.fd);
  // A closed row is the newer news: a stale snapshot must not reopen it.
  if (old && old.last !== null && row.last === null) return;
  channels.set(row.fd, row);
}

function putIteration(it) {
  it.byFd = new Map(it.cells.map(function (c) { return [c.fd, c]; }));
  var last = iterations[iterations.length - 1];
  if (!last || it.n > last.n) iterations.push(it);
  else if (!iterations.some(function (x) { return x.n === it.n; })) {
    iterations.push(it);
    iterations.sort(function (a, b) { return a.n - b.n; });
  }
  if (iterations.length > MAX_COLS) iterations.splice(0, iterations.length - MAX_COLS);
}

function prune() {
  if (!iterations.length) return;
  var first = iterations[0].n;
  channels.forEach(function (ch, fd) { if (ch.last !== null && ch.last < first) channels.delete(fd); });
  if (selected && selected.n !== undefined && selected.n < first) selected = null;
}

function takeSnapshot(s) {
  title = s.title === "asyncore-ts inspector" ? "" : s.title;
  s.channels.forEach(putChannel);
  s.iterations.forEach(putIteration);
  if (!live || s.control.n >= control.n) control = s.control;
  prune();
}

// ── drawing ──
function statusOf() {
  if (!live) return ["", "exported: " + iterations.length + " iterations"];
  if (link === "connecting") return ["", "connecting\u2026"];
  if (link === "down") return ["down", "disconnected \u2013 retrying"];
  if (control.paused) return ["paused", "\u275a\u275a paused after #" + control.n + (control.steps ? " (stepping)" : "")];
  return ["running", "\u25b6 running"];
}

function waitBar(it) {
  // Log scale from 10 \u00b5s to 10 s, so that a 0.1 ms wake and a 5 s timeout both show.
  var h = Math.max(4, Math.min(70, (Math.log10(Math.max(it.waited_ms, 0.01)) + 2) / 6 * 70));
  var asked = it.timeout === null ? "forever" : it.timeout + " s";
  return '<td class="woke-' + it.woke + '" data-n="' + it.n + '" title="#' + it.n + ": " + it.mode + "(timeout " + esc(asked) + ") waited " +
    it.waited_ms.toFixed(2) + " ms; woke: " + it.woke + '"><span class="v">' + ms(it.waited_ms) +
    '</span><div class="bar" style="height:' + h.toFixed(0) + '%"></div></td>';
}

function cellHtml(it, c, ch) {
  var n = it.n;
  if (!lifetime(ch, n)) return '<td class="out"></td>';
  var sel = selected && selected.n === n ? " sel" : "";
  if (!c) return '<td class="idle' + sel + '" data-n="' + n + '" title="#' + n + " \u00b7 fd " + ch.fd + ': not asked"></td>';
  // poll() names events POLLIN, POLLOUT, …; select() names the sets: read, write, except.
  var r = c.ready, pin = has(r, "POLLIN") || has(r, "read"), pout = has(r, "POLLOUT") || has(r, "write");
  var bad = r.filter(function (e) { return !/^(POLLIN|POLLOUT|read|write)$/.test(e); });
  var cls = pin && pout ? "rboth" : pin ? "rin" : pout ? "rout" : "asked";
  if (bad.length) cls += " rbad";
  var ask = "";
  if (c.asked.indexOf("r") >= 0) ask += '<i class="' + (pin ? "hit" : "") + '">r</i>';
  if (c.asked.indexOf("w") >= 0) ask += '<i class="' + (pout ? "hit" : "") + '">w</i>';
  if (!c.asked) ask = "\u2013";
  if (bad.length) ask += " <em>" + bad.map(function (e) { return e.replace("POLL", "").replace("except", "X"); }).join(" ") + "</em>";
  var did = c.did.slice(0, 3).map(function (a) { var x = action(a); return '<span class="' + x[0] + '">' + esc(x[1]) + "</span>"; });
  if (c.did.length > 3) did.push("\u2026");
  var tip = "#" + n + " \u00b7 fd " + ch.fd + " " + ch.cls +
    "\nasked: " + ({ r: "readable", w: "writable", rw: "readable, writable" }[c.asked] || "nothing") +
    "\nready: " + (r.length ? r.join(" ") : "no") +
    (c.handler ? "\nran: " + c.handler + " \u2192 " + (c.did.length ? c.did.map(function (a) { return action(a)[2]; }).join(", ") : "nothing") : "");
  return '<td class="' + cls + sel + '" data-n="' + n + '" data-fd="' + ch.fd + '" title="' + esc(tip) + '"><span class="ask">' + ask +
    '</span><span class="did">' + did.join(" ") + "</span></td>";
}

function rows() {
  var out = [];
  var first = iterations.length ? iterations[0].n : Infinity;
  var own = !live || $("own").checked;
  channels.forEach(function (ch) { if ((ch.last === null || ch.last >= first) && (own || !ch.inspector)) out.push(ch); });
  // The program's channels first; the inspector's own below them.
  return out.sort(function (a, b) { return (a.inspector ? 1 : 0) - (b.inspector ? 1 : 0) || a.fd - b.fd; });
}

function drawGrid() {
  var its = iterations;
  if (!its.length && !channels.size) {
    put("lanes", '<p id="empty">' + (live ? "Waiting for the loop's first iteration\u2026" : "No iterations in this snapshot.") + "</p>");
    return;
  }
  var maxSize = Math.max.apply(null, its.map(function (it) { return it.map_size; }).concat([1]));
  var h = ['<table id="grid"><thead><tr class="n"><th class="label" scope="col">iteration \u2192</th>'];
  its.forEach(function (it) {
    var cls = "n" + (control.paused && live && it.n === control.n ? " paused" : "") + (selected && selected.n === it.n ? " sel" : "");
    h.push('<th scope="col" class="' + cls + '" data-n="' + it.n + '"><button type="button" data-n="' + it.n +
      '" aria-pressed="' + (selected && selected.n === it.n) + '" title="Show iteration #' + it.n + '">#' + it.n + "</button></th>");
  });
  h.push('</tr><tr class="wait"><th class="label" scope="row">wait (log scale, ms)</th>');
  its.forEach(function (it) { h.push(waitBar(it)); });
  h.push('</tr><tr class="woke"><th class="label" scope="row">woke because</th>');
  its.forEach(function (it) { h.push('<td class="woke-' + it.woke + '">' + (it.woke === "timeout" ? "t/o" : it.woke === "interrupt" ? "intr" : it.woke) + "</td>"); });
  h.push('</tr><tr class="size"><th class="label" scope="row">channels in the map</th>');
  its.forEach(function (it) {
    h.push('<td title="#' + it.n + ": " + it.map_size + ' channels"><span class="v">' + it.map_size +
      '</span><div class="bar" style="height:' + Math.max(4, it.map_size / maxSize * 70).toFixed(0) + '%"></div></td>');
  });
  h.push("</tr></thead><tbody>");
  rows().forEach(function (ch) {
    var on = selected && selected.fd === ch.fd;
    var tags = (ch.inspector ? " (inspector)" : "") + (ch.last !== null ? " (closed)" : "");
    h.push('<tr data-fd="' + ch.fd + '" class="' + (ch.last !== null ? "closed" : "") + (ch.inspector ? " own" : "") + '"><th class="label" scope="row">' +
      '<button type="button" data-fd="' + ch.fd + '" aria-pressed="' + !!on + '" title="Show the state of fd ' + ch.fd + '">' +
      "<b>" + ch.fd + "</b> " + esc(ch.cls) + tags + "<small>" + esc(ch.repr) + "</small></button></th>");
    its.forEach(function (it) {
      h.push(cellHtml(it, it.byFd.get(ch.fd), ch));
    });
    h.push("</tr>");
  });
  h.push("</tbody></table>");
  var box = $("lanes");
  var atEnd = box.scrollLeft + box.clientWidth >= box.scrollWidth - 8;
  if (put("lanes", h.join("")) && atEnd) box.scrollLeft = box.scrollWidth;
}

// ── the side panel: a channel as Python would print it, or one iteration ──
function py(s) {
  var L = [">>> ch = socket_map[" + s.fd + "]", ">>> ch", s.repr,
    ">>> ch.connected, ch.accepting, ch.connecting",
    "(" + [s.connected, s.accepting, s.connecting].map(function (b) { return b ? "True" : "False"; }).join(", ") + ")",
    ">>> ch.addr", s.addr,
    ">>> ch.socket.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)",
    s.so_error === 0 ? "0" : s.so_error.errno + "    # errno." + s.so_error.name];
  if (s.chat) {
    L.push(">>> ch.get_terminator()", s.chat.terminator, ">>> len(ch.ac_in_buffer)", String(s.chat.ac_in_buffer),
      ">>> len(ch.producer_fifo)", String(s.chat.producer_fifo.count));
    if (s.chat.producer_fifo.bytes !== null) L.push(">>> sum(len(p) for p in ch.producer_fifo)", String(s.chat.producer_fifo.bytes));
    else L.push("# (it holds producers: their size is known only once they are asked for data)");
  }
  if (s.out_buffer !== undefined) L.push(">>> len(ch.out_buffer)", String(s.out_buffer));
  return L.join("\n");
}

function history(fd) {
  var L = [];
  iterations.forEach(function (it) {
    it.cells.forEach(function (c) {
      if (c.fd !== fd || !c.handler) return;
      L.push("#" + it.n + " ready " + (c.ready.join(" ") || "-") + ", ran " + c.handler + " \u2192 " +
        (c.did.length ? c.did.map(function (a) { return action(a)[2]; }).join(", ") : "nothing"));
    });
  });
  return L.slice(-12);
}

function drawChannel(fd) {
  var ch = channels.get(fd);
  if (!ch) { put("detail", "<h2>fd " + fd + "</h2><p>No longer in the window.</p>"); return; }
  var h = ["<h2>fd " + fd + " \u00b7 " + esc(ch.cls) + "</h2><p>In the map from #" + ch.first +
    (ch.last === null ? ", still there." : " to #" + ch.last + ", then closed.") + "</p>"];
  if (state.fd === fd && state.text !== null) h.push('<pre class="py">' + esc(state.text) + "</pre>");
  else if (!live) h.push("<p>Its state is shown on the live page only: an exported file has no loop behind it.</p>");
  else if (ch.last !== null) h.push("<p>It has left the map: there is no state to ask for.</p>");
  else h.push("<p>Asking the loop\u2026</p>");
  var hist = history(fd);
  if (hist.length) h.push("<h2>What its handlers did</h2><pre>" + esc(hist.join("\n")) + "</pre>");
  put("detail", h.join(""));
}

function drawIteration(n) {
  var it = iterations.filter(function (x) { return x.n === n; })[0];
  if (!it) { put("detail", "<h2>#" + n + "</h2><p>No longer in the window.</p>"); return; }
  var asked = { r: [], w: [] };
  var L = [it.mode + "(timeout " + (it.timeout === null ? "forever" : it.timeout + " s") + ")"];
  it.cells.forEach(function (c) {
    if (c.asked.indexOf("r") >= 0) asked.r.push(c.fd);
    if (c.asked.indexOf("w") >= 0) asked.w.push(c.fd);
  });
  L.push("  asked readable: " + (asked.r.join(" ") || "-"), "  asked writable: " + (asked.w.join(" ") || "-"),
    "waited " + it.waited_ms.toFixed(2) + " ms, woke: " + it.woke);
  it.cells.forEach(function (c) {
    if (!c.ready.length && !c.handler) return;
    var ch = channels.get(c.fd);
    L.push("fd " + c.fd + " " + (ch ? ch.cls : "") + ": " + (c.ready.join(" ") || "not ready") +
      (c.handler ? "\n  \u2192 " + c.handler + ": " + (c.did.length ? c.did.map(function (a) { return action(a)[2]; }).join(", ") : "nothing") : ""));
  });
  L.push("map: " + it.map_size + " channels at the end");
  put("detail", "<h2>Iteration #" + n + "</h2><pre>" + esc(L.join("\n")) + "</pre>");
}

function draw() {
  drawPending = false;
  var st = statusOf();
  $("status").className = st[0];
  $("status").textContent = st[1];
  document.title = (title ? title + " \u2013 " : "") + "asyncore-ts inspector";
  $("title").textContent = title;
  var last = iterations[iterations.length - 1];
  $("mode").textContent = last ? last.mode + "() loop" : "";
  if (live) {
    var up = link === "live";
    $("pause").disabled = !up || control.paused;
    $("step").disabled = !up || !control.paused;
    $("resume").disabled = !up || !control.paused;
  }
  // Redrawing replaces the buttons in the grid: keep the keyboard's place.
  var f = document.activeElement, key = f && f.closest && f.closest("#lanes") ? [f.dataset.fd, f.dataset.n] : null;
  drawGrid();
  if (key && !document.activeElement.closest("#lanes")) {
    var again = document.querySelector(key[0] !== undefined ? '#lanes button[data-fd="' + key[0] + '"]' : '#lanes button[data-n="' + key[1] + '"]');
    if (again) again.focus();
  }
  if (selected && selected.fd !== undefined) drawChannel(selected.fd);
  else if (selected) drawIteration(selected.n);
}

function redraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(draw);
}

// ── the server: state of a channel, step mode, events ──
// Asked again as the loop moves, but at most four times a second: each ask is work for the loop it shows.
function askState() {
  if (!live || !selected || selected.fd === undefined || state.timer) return;
  var fd = selected.fd, ch = channels.get(fd);
  if (!ch || ch.last !== null) return;
  if (state.busy) { state.again = true; return; }
  var wait = state.at + 250 - Date.now();
  if (wait > 0) { state.timer = setTimeout(function () { state.timer = 0; askState(); }, wait); return; }
  state.busy = true;
  state.at = Date.now();
  fetch("channel?fd=" + fd).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) {
    if (selected && selected.fd === fd) { state.fd = fd; state.text = s ? py(s) : "# fd " + fd + " is no longer in the map"; }
  }, function () {}).then(function () {
    state.busy = false;
    redraw();
    if (state.again) { state.again = false; askState(); }
  });
}

function select(sel) {
  var same = selected && sel && selected.fd === sel.fd && selected.n === sel.n;
  selected = same ? null : sel;
  state.fd = null; state.text = null;
  if (!selected) put("detail", HELP);
  askState();
  redraw();
}

function post(what) {
  // The answer can arrive after the events that followed it: the events, when they flow, say what is newest.
  fetch(what, { method: "POST" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (c) {
    if (c && (c.n > control.n || (c.n === control.n && link !== "live"))) { control = c; redraw(); }
  }, function () {});
}

// From a snapshot again: on (re)connecting, the server may be another run; after "dropped", events are missing.
function resync() {
  iterations = [];
  channels.clear();
  control = { paused: false, n: 0 };
  fetch("snapshot").then(function (r) { return r.json(); }).then(function (s) { takeSnapshot(s); redraw(); }, function () {});
  redraw();
}

function follow() {
  var es = new EventSource("events");
  es.addEventListener("open", function () { link = "live"; resync(); });
  es.addEventListener("error", function () { link = "down"; redraw(); });
  es.addEventListener("iteration", function (e) { putIteration(JSON.parse(e.data)); prune(); redraw(); askState(); });
  es.addEventListener("channel", function (e) { putChannel(JSON.parse(e.data)); redraw(); });
  es.addEventListener("control", function (e) { control = JSON.parse(e.data); redraw(); askState(); });
  es.addEventListener("dropped", resync);
}

var HELP = $("detail").innerHTML;
$("lanes").addEventListener("click", function (e) {
  // A channel's label or any cell of its row shows the channel; an iteration's number or bars show the iteration.
  var row = e.target.closest("tbody tr[data-fd]"), col = e.target.closest("[data-n]");
  if (row) select({ fd: Number(row.dataset.fd) });
  else if (col) select({ n: Number(col.dataset.n) });
});
if (live) {
  ["pause", "step", "resume"].forEach(function (id) { $(id).addEventListener("click", function () { post(id); }); });
  $("own").addEventListener("change", redraw);
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    var b = { p: "pause", s: "step", r: "resume" }[e.key];
    if (b && !$(b).disabled) { e.preventDefault(); post(b); }
  });
  follow();
} else {
  takeSnapshot(embedded);
}
redraw();
})();
`;
