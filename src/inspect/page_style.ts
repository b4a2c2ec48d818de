// The inspector page's stylesheet, as a string: large type and strong contrast, for a projector.
export const PAGE_STYLE = `
:root {
  --fg: #111; --muted: #4a4a4a; --bg: #fff; --line: #c8c8c8; --lane: #ececec;
  --in: #a9cdff; --out: #a8e6a8; --bad: #ffb3a1;
  --recv: #0a3f8c; --send: #0b5a23; --accept: #5b1786; --connect: #00594f; --close: #222; --error: #a4001c;
  --col: 60px;
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg);
  font: 16px/1.35 system-ui, "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5em 1em; padding: .6em 1em;
  border-bottom: 1px solid var(--line); }
h1 { font-size: 1.2em; margin: 0; }
h1 small { font-weight: normal; color: var(--muted); }
h2 { font-size: 1.05em; margin: 0 0 .4em; }
#status { padding: .2em .8em; border-radius: 1em; font-weight: 700; background: #e4e4e4; }
#status.running { background: #c9f0d1; color: #0b4a1a; }
#status.paused { background: #ffe08a; color: #4d3800; }
#status.down { background: #ffd0c4; color: #7a0010; }
#controls { display: flex; gap: .4em; }
header label { color: var(--muted); }
input[type="checkbox"] { width: 1.1em; height: 1.1em; vertical-align: -.15em; }
button { font: inherit; color: var(--fg); background: #fff; border: 2px solid #333; border-radius: .35em;
  padding: .25em .9em; cursor: pointer; }
button:hover:not(:disabled) { background: #f0f0f0; }
button:disabled { color: #777; border-color: #aaa; cursor: default; }
button:focus-visible { outline: 3px solid #1456c4; outline-offset: 2px; }
main { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 1em; padding: .8em 1em; }
#lanes { flex: 1 1 38em; min-width: 0; overflow-x: auto; border: 1px solid var(--line); }
#empty { padding: 1em; color: var(--muted); }
table { border-collapse: separate; border-spacing: 0; }
th, td { padding: 0; }
th.label { position: sticky; left: 0; z-index: 1; background: var(--bg); text-align: left; font-weight: normal;
  border-right: 2px solid var(--line); min-width: 13em; max-width: 20em; padding: 0 .4em; }
thead th.label { font-size: .85em; color: var(--muted); }
thead th.n button { width: var(--col); border: 0; border-radius: 0; padding: .2em 0; font-size: .8em; font-weight: 700;
  background: transparent; }
thead th.n.sel button, thead th.n button[aria-pressed="true"] { background: #dde8ff; }
thead th.n.paused button { background: #ffe08a; }
td { width: var(--col); min-width: var(--col); text-align: center; vertical-align: bottom; }
tr.wait td, tr.size td { height: 46px; position: relative; border-bottom: 1px solid var(--line); }
tr.woke td { font-size: .75em; border-bottom: 2px solid var(--line); }
.bar { margin: 0 auto; width: 60%; min-height: 2px; }
tr.wait .bar { background: #8a8a8a; }
.woke-ready .bar { background: #2f6fd6; }
.woke-timeout .bar { background: #7a7a7a; }
.woke-interrupt .bar { background: #d97900; }
.woke-idle .bar { background: #b9b9b9; }
tr.size .bar { background: #6b4bb3; }
.v { position: absolute; top: 1px; left: 0; right: 0; font-size: .72em; color: var(--muted); }
tr.woke td.woke-ready { color: #143f8a; font-weight: 700; }
tr.woke td.woke-interrupt { color: #7a4200; font-weight: 700; }
tbody th.label button { display: block; width: 100%; text-align: left; border: 0; border-radius: 0; padding: .2em .2em;
  background: transparent; }
tbody th.label button[aria-pressed="true"] { background: #dde8ff; }
tbody th.label b { display: inline-block; min-width: 1.8em; }
tbody th.label small { display: block; color: var(--muted); font-size: .75em; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; max-width: 24em; }
tr.closed th.label, tr.own th.label { color: var(--muted); }
tbody td { height: 54px; max-width: var(--col); overflow: hidden; border-bottom: 1px solid #fff; border-right: 1px solid #fff; vertical-align: middle;
  cursor: pointer; }
td.out { background: transparent; cursor: default; }
td.idle { background: var(--lane); }
td.asked { background: #f7f7f7; box-shadow: inset 0 0 0 1px #d0d0d0; }
td.rin { background: var(--in); }
td.rout { background: var(--out); }
td.rboth { background: linear-gradient(135deg, var(--in) 50%, var(--out) 50%); }
td.rbad { box-shadow: inset 0 0 0 3px #c2001f; }
td.sel { outline: 3px solid #1456c4; outline-offset: -3px; }
.ask { display: block; font-size: .72em; letter-spacing: .1em; color: var(--muted); }
.ask i { font-style: normal; }
.ask i.hit { color: #000; font-weight: 700; text-decoration: underline; }
.ask em { font-style: normal; color: #a4001c; font-weight: 700; }
.did { display: block; font-size: .82em; font-weight: 700; line-height: 1.15; }
.did span { white-space: nowrap; }
.recv { color: var(--recv); } .send { color: var(--send); } .accept { color: var(--accept); }
.connect { color: var(--connect); } .close { color: var(--close); } .error { color: var(--error); }
#detail { flex: 0 1 30em; min-width: 18em; border: 1px solid var(--line); padding: .6em .8em; }
#detail pre { margin: 0; font: .9em/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre-wrap;
  overflow-wrap: anywhere; }
#detail p { margin: .2em 0 .6em; color: var(--muted); }
footer { padding: 0 1em 1em; font-size: .85em; color: var(--muted); }
footer ul { display: flex; flex-wrap: wrap; gap: .3em 1.4em; list-style: none; padding: 0; margin: .3em 0; }
footer .sw { display: inline-block; width: 1.1em; height: 1.1em; vertical-align: -.2em; border: 1px solid #999; }
@media print {
  #controls, header label { display: none; }
  #lanes { overflow: visible; border: 0; }
  th.label { position: static; }
  td, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
kbd { font: .9em "DejaVu Sans Mono", monospace; border: 1px solid #999; border-radius: .2em; padding: 0 .25em; }
`;
