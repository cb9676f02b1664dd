// The dashboard page's script, plain browser JavaScript in a string (served inline). It polls
// api/state every second, renders with DOM calls and text nodes only (never innerHTML from
// data), and keeps table rows from one update to the next so buttons stay put.
export const DASHBOARD_SCRIPT = `(() => {
'use strict'
const $ = (id) => document.getElementById(id)
const h = (tag, cls, ...kids) => {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  for (const k of kids) if (k !== undefined && k !== null && k !== false) e.append(k)
  return e
}
const svg = (tag, attrs) => {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag)
  for (const k in attrs) e.setAttribute(k, attrs[k])
  return e
}
const dur = (ms) => ms < 1000 ? Math.round(ms) + ' ms' : ms < 6e4 ? (ms / 1e3).toFixed(ms < 1e4 ? 1 : 0) + ' s'
  : ms < 36e5 ? Math.floor(ms / 6e4) + ' min' : (ms / 36e5).toFixed(1) + ' h'
const secs = (x) => x == null ? '∞' : x < 0.001 ? 'under 1 ms' : x < 1 ? +(x * 1000).toFixed(1) + ' ms' : +x.toFixed(2) + ' s'
// Bucket bounds, short enough for a 34 px column: 5ms … 50ms, .1s … 30s.
const bound = (x) => x == null ? '∞' : x < 0.1 ? Math.round(x * 1000) + 'ms' : String(x).replace(/^0/, '') + 's'
const clock = (t) => new Date(t).toLocaleTimeString([], { hour12: false })
const keyText = (k) => k === '' ? "''" : k
const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'aborted']
const sections = new Map()
let state, multi = false, busy = false, timer, noteTimer

// Replaces the content only when it changed: no flicker, text selections survive.
const swap = (el, next) => { if (el.innerHTML !== next.outerHTML) el.replaceChildren(next) }
const say = (text, bad) => { const e = $('status'); e.textContent = text; e.className = bad ? 'bad' : '' }
const note = (text, bad) => {
  const e = $('note'); e.textContent = text; e.className = bad ? 'bad' : ''
  clearTimeout(noteTimer); noteTimer = setTimeout(() => { e.textContent = '' }, 6000)
}

async function tick() {
  if (busy) return
  busy = true
  clearTimeout(timer)
  try {
    const r = await fetch('api/state', { cache: 'no-store' })
    if (!r.ok) throw new Error('HTTP ' + r.status)
    const next = await r.json()
    if (next.dashboard !== 'switchyard') throw new Error('not a dashboard answer')
    state = next
    render()
    say('live · ' + clock(state.time))
  } catch (e) {
    say('no answer (' + e.message + '), retrying', true)
  } finally {
    busy = false
    timer = setTimeout(tick, 1000)
  }
}

function render() {
  multi = state.processes.length > 1
  document.body.classList.toggle('ro', state.readOnly)
  const procs = h('span')
  for (const p of state.processes) {
    procs.append(h('span', p.error ? 'proc bad' : 'proc', 'pid ' + (p.pid == null ? '?' : p.pid) + (p.error ? ': ' + p.error : '')), ' ')
  }
  swap($('procs'), procs)
  swap($('tree'), state.tree ? h('ul', 'tree', item(state.tree)) : h('p', 'muted', 'no serving process answered'))
  const seen = new Set()
  if (state.tree) walk(state.tree, [], 'r', seen)
  for (const [path, sec] of sections) if (!seen.has(path)) { sec.el.remove(); sections.delete(path) }
  log()
}

function item(node, match) {
  const card = h('div', node.requests ? 'node disp' : 'node',
    h('div', '', h('span', 'kind', node.kind), node.label !== node.kind ? h('span', 'label', node.label) : null))
  if (node.requests) {
    const counts = h('div', 'counts')
    for (const c of CLASSES) if (node.requests[c]) counts.append(h('span', 'c c' + c[0], c + ' ' + node.requests[c]))
    if (!counts.childElementCount) counts.append(h('span', 'muted', 'no requests yet'))
    const l = node.lazy
    if (l) {
      counts.append(h('span', 'c live', l.live + ' live / ' + l.max))
      if (l.draining) counts.append(h('span', 'c', l.draining + ' draining'))
      if (l.creating) counts.append(h('span', 'c', l.creating + ' creating'))
    }
    card.append(counts)
  }
  if (node.upstream || node.processes) card.append(processDetails(node))
  const li = h('li', '', match !== undefined ? h('span', 'match', match) : null, card)
  if (node.children) li.append(h('ul', '', ...node.children.map((c) => item(c.node, c.match))))
  return li
}

// An upstream's pool and a spawned app's processes, one line each.
function processDetails(node) {
  const box = h('div', 'counts')
  const u = node.upstream
  if (u) box.append(h('span', 'c', '→ ' + u.target + ': ' + u.connected + ' open, ' + u.running + ' busy, ' + u.pending + ' queued, ' + u.requests + ' requests'))
  for (const p of node.processes || []) box.append(h('span', p.ready ? 'c c2' : 'c c5', procText(p)))
  return box
}

function procText(p) {
  return 'pid ' + (p.pid == null ? '-' : p.pid) + ' ' + p.state + (p.ready ? ', up ' + dur(p.uptime) : '') + ', ' + p.restarts + (p.restarts === 1 ? ' restart' : ' restarts')
}

function walk(node, trail, path, seen) {
  if (node.lazy) { seen.add(path); lazySection(path, node, trail) }
  ;(node.children || []).forEach((c, i) => walk(c.node, trail.concat(c.match), path + '.' + i, seen))
}

function lazySection(path, node, trail) {
  let sec = sections.get(path)
  if (!sec) {
    const evict = h('button', 'evict', 'Evict all')
    evict.addEventListener('click', () => act(evict, sec.node.targets.map((t) => ({ pid: t.pid, id: t.id }))))
    sec = { title: h('span'), where: h('small'), stats: h('div'), chart: h('div', 'chart'),
      head: h('thead'), rows: h('tbody'), empty: h('p', 'muted', 'no live instances'), evict }
    sec.el = h('section', 'lazy', h('h2', '', sec.title, sec.where, evict), sec.stats,
      h('div', 'split', sec.chart, h('div', 'scroll', h('table', 'instances', sec.head, sec.rows), sec.empty)))
    $('lazies').append(sec.el)
    sections.set(path, sec)
  }
  sec.node = node
  const l = node.lazy
  sec.title.textContent = node.label
  sec.where.textContent = trail.length ? 'at ' + trail.join(' › ') : ''
  sec.evict.hidden = state.readOnly
  const stats = h('div', 'stats')
  const stat = (n, one, many) => stats.append(h('span', '', h('b', '', String(n)), n === 1 || !many ? one : many))
  stat(l.hits, 'hit', 'hits'); stat(l.misses, 'miss', 'misses'); stat(l.creations, 'created')
  stat(l.factoryErrors, 'factory error', 'factory errors')
  const ev = l.evictions
  stat(ev.lru + ev.idle + ev.invalidate + ev.close, 'evicted (lru ' + ev.lru + ', idle ' + ev.idle + ', invalidated ' + ev.invalidate + ', closed ' + ev.close + ')')
  stat(l.negative, 'remembered miss', 'remembered misses')
  swap(sec.stats, stats)
  swap(sec.chart, chart(l.creationSeconds))
  const procs = l.instances.some((i) => i.process)
  const cols = ['key'].concat(multi ? ['pid'] : [], ['age', 'idle', 'in flight', 'requests'], procs ? ['process'] : [], state.readOnly ? [] : [''])
  swap(sec.head, h('tr', '', ...cols.map((c) => h('th', c === 'key' || c === '' ? '' : 'num', c))))
  sec.procs = procs
  syncRows(sec, l.instances)
  sec.empty.hidden = l.instances.length > 0
}

// Rows keep their elements from one update to the next, so a button is never replaced
// under the pointer.
function syncRows(sec, instances) {
  const old = new Map()
  for (const tr of sec.rows.children) old.set(tr.dataset.id, tr)
  let prev = null
  for (const inst of instances) {
    const id = inst.pid + ' ' + inst.key
    let tr = old.get(id)
    old.delete(id)
    if (!tr) {
      tr = h('tr')
      tr.dataset.id = id
      tr.dataset.key = inst.key
      tr.button = h('button', 'invalidate', 'Invalidate')
      tr.button.addEventListener('click', () => {
        const t = sec.node.targets.find((x) => x.pid === inst.pid)
        act(tr.button, t ? [{ pid: t.pid, id: t.id, key: inst.key }] : [])
      })
    }
    const vals = [keyText(inst.key)].concat(multi ? [String(inst.pid)] : [],
      [dur(inst.age), dur(inst.idle), String(inst.inFlight), String(inst.requests)],
      sec.procs ? [inst.process ? procText(inst.process) : ''] : [])
    const width = vals.length + (state.readOnly ? 0 : 1)
    if (tr.cells.length !== width) {
      tr.replaceChildren(...vals.map((_, i) => h('td', i === 0 ? 'key' : 'num')))
      if (!state.readOnly) tr.append(h('td', '', tr.button))
    }
    vals.forEach((v, i) => { if (tr.cells[i].textContent !== v) tr.cells[i].textContent = v })
    if (tr.previousSibling !== prev || !tr.parentNode) sec.rows.insertBefore(tr, prev ? prev.nextSibling : sec.rows.firstChild)
    prev = tr
  }
  for (const tr of old.values()) tr.remove()
}

function chart(cs) {
  const b = cs.buckets, W = 34, H = 56
  const counts = b.map((x, i) => x[1] - (i ? b[i - 1][1] : 0))
  const top = Math.max(1, ...counts)
  const box = svg('svg', { width: b.length * W, height: H + 16, role: 'img', 'aria-label': 'creation time histogram' })
  box.append(svg('line', { x1: 0, x2: b.length * W, y1: H + 0.5, y2: H + 0.5, class: 'axis' }))
  counts.forEach((c, i) => {
    const g = svg('g', {})
    const title = svg('title', {})
    title.textContent = (b[i][0] == null ? 'over ' + bound(b[i - 1] && b[i - 1][0]) : 'up to ' + bound(b[i][0])) + ': ' + c
    const bh = c ? Math.max(2, Math.round((c / top) * (H - 4))) : 0
    g.append(title, svg('rect', { x: i * W, y: 0, width: W, height: H + 16, class: 'hit' }),
      svg('rect', { x: i * W + 4, y: H - bh, width: W - 8, height: bh, class: 'bar' }))
    const tick = svg('text', { x: i * W + W / 2, y: H + 12, class: 'tick' })
    tick.textContent = bound(b[i][0])
    g.append(tick)
    box.append(g)
  })
  const caption = cs.count ? 'creation time: ' + cs.count + ' created, mean ' + secs(cs.sum / cs.count) : 'creation time: nothing created yet'
  return h('div', '', h('div', 'caption', caption), box)
}

function log() {
  const cols = ['time'].concat(multi ? ['pid'] : [], ['method', 'host', 'url', 'status', 'ms', 'app', 'key'])
  const body = h('tbody')
  for (const q of state.requests.slice().reverse()) {
    const cells = [clock(q.time)].concat(multi ? [String(q.pid)] : [], [q.method, q.host, q.url,
      q.status ? String(q.status) : 'aborted', q.ms.toFixed(1), q.app === undefined ? '-' : q.app || '/',
      q.key === undefined ? '' : keyText(q.key)])
    const cls = { url: 'url', key: 'key', ms: 'num', status: 's' + String(q.status)[0] }
    body.append(h('tr', '', ...cells.map((v, i) => h('td', cls[cols[i]] || '', v))))
  }
  const table = h('table', '', h('thead', '', h('tr', '', ...cols.map((c) => h('th', c === 'ms' ? 'num' : '', c)))), body)
  swap($('log'), state.requests.length ? table : h('p', 'muted', 'no requests yet'))
}

async function act(button, bodies) {
  button.disabled = true
  try {
    let n = 0
    for (const body of bodies) {
      const r = await fetch('api/invalidate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const answer = await r.json().catch(() => ({}))
      if (!r.ok) throw new Error(answer.error || 'HTTP ' + r.status)
      n += answer.invalidated
    }
    note(n + (n === 1 ? ' instance' : ' instances') + ' invalidated')
  } catch (e) {
    note('invalidate failed: ' + e.message, true)
  } finally {
    button.disabled = false
    tick()
  }
}

tick()
})()`
