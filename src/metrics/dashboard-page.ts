// The dashboard page: static HTML with its style and script inline (no build step, no
// external asset, works offline). Everything shown comes from api/state and is put into
// the page as text nodes, never as markup: tenant keys and URLs are client-controlled.
import { DASHBOARD_SCRIPT } from './dashboard-script.ts'

export { DASHBOARD_SCRIPT }

export const DASHBOARD_STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1d2330;--mu:#697386;--ln:#d9dee7;--card:#f5f7fa;--ac:#2563eb;--ok:#15803d;--warn:#b45309;--bad:#c81e1e}
@media (prefers-color-scheme:dark){:root{--bg:#12151b;--fg:#e5e7eb;--mu:#9aa3b2;--ln:#2d3340;--card:#1a1f28;--ac:#60a5fa;--ok:#4ade80;--warn:#fbbf24;--bad:#f87171}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;gap:10px;align-items:center;flex-wrap:wrap;padding:10px 20px;border-bottom:1px solid var(--ln);position:sticky;top:0;background:var(--bg);z-index:2}
h1{font-size:18px;margin:0 8px 0 0}
h2{font-size:15px;margin:0 0 8px;display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
main{padding:14px 20px;display:grid;gap:14px}
#lazies{display:contents}
section{border:1px solid var(--ln);border-radius:8px;padding:12px 14px;min-width:0}
.muted,small{color:var(--mu);font-weight:400}
.mono,.key,.url,.match,.label{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.proc{padding:1px 9px;border-radius:10px;border:1px solid var(--ln);background:var(--card);font-size:12.5px}
.proc::before{content:'';display:inline-block;width:7px;height:7px;border-radius:50%;background:var(--ok);margin-right:6px}
.proc.bad{color:var(--bad)}.proc.bad::before{background:var(--bad)}
.badge{font-size:12px;padding:1px 8px;border-radius:10px;background:var(--card);color:var(--mu)}
body:not(.ro) #ro{display:none}
#note{font-size:13px}
#status{margin-left:auto;color:var(--mu);font-size:13px}
.bad{color:var(--bad)}
.tree,.tree ul{list-style:none;margin:0;padding:0}
.tree ul{margin-left:16px}
.tree li{position:relative;padding:3px 0}
.tree ul>li{padding-left:20px;border-left:1px solid var(--ln)}
.tree ul>li:last-child{border-left-color:transparent}
.tree ul>li::before{content:'';position:absolute;left:-1px;top:0;width:16px;height:19px;border-left:1px solid var(--ln);border-bottom:1px solid var(--ln);border-bottom-left-radius:6px}
.match{color:var(--ac);margin-right:8px;display:inline-block;padding-top:5px;vertical-align:top}
.node{display:inline-flex;flex-direction:column;gap:3px;padding:4px 10px;border:1px solid var(--ln);border-radius:6px;background:var(--card);vertical-align:top;max-width:100%}
.node.disp{border-color:var(--ac)}
.kind{font-size:10.5px;text-transform:uppercase;letter-spacing:.05em;color:var(--mu);margin-right:6px}
.label{overflow-wrap:anywhere}
.counts{display:flex;gap:5px;flex-wrap:wrap;font-size:12px}
.c{padding:0 7px;border-radius:9px;background:var(--bg);border:1px solid var(--ln)}
.c2,.s2{color:var(--ok)}.c3,.s3{color:var(--ac)}.c4,.s4{color:var(--warn)}.c5,.s5,.s0{color:var(--bad)}
.c.live{color:var(--fg);font-weight:600}
.stats{display:flex;gap:3px 14px;flex-wrap:wrap;margin-bottom:10px;font-size:13px;color:var(--mu)}
.stats b{color:var(--fg);font-weight:600;margin-right:3px}
.split{display:flex;gap:22px;flex-wrap:wrap;align-items:flex-start}
.split>.scroll{flex:1;min-width:340px}
.scroll{max-height:380px;overflow:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:3px 9px;border-bottom:1px solid var(--ln);white-space:nowrap}
th{color:var(--mu);font-weight:500;position:sticky;top:0;background:var(--bg)}
td.key,td.url{max-width:32em;overflow:hidden;text-overflow:ellipsis;white-space:pre}
.num{text-align:right;font-variant-numeric:tabular-nums}
button{font:inherit;font-size:12px;padding:1px 10px;border:1px solid var(--ln);border-radius:5px;background:var(--card);color:var(--fg);cursor:pointer}
button:hover{border-color:var(--bad);color:var(--bad)}
button:disabled{opacity:.5;cursor:default}
h2 button{margin-left:auto}
.caption{font-size:12.5px;color:var(--mu);margin-bottom:4px}
.bar{fill:var(--ac)}.hit{fill:transparent}.tick{font-size:9px;fill:var(--mu);text-anchor:middle}.axis{stroke:var(--ln)}
`

export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>switchyard dashboard</title><link rel="icon" href="data:,"><style>${DASHBOARD_STYLE}</style></head>
<body><header><h1>switchyard</h1><span id="procs"></span><span id="ro" class="badge">read-only</span><span id="note"></span><span id="status">connecting…</span></header>
<main><section><h2>Dispatch tree</h2><div id="tree"></div></section><div id="lazies"></div>
<section><h2>Latest requests</h2><div id="log" class="scroll"></div></section></main>
<script>${DASHBOARD_SCRIPT}</script></body></html>
`
}
