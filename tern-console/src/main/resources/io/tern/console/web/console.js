// Tern console: plain modern JavaScript, no dependencies, no CDN. Talks to the admin API (/api/v1) of the
// http listener it was served from and to its live WebSocket (/api/v1/live). Data goes into the page with
// textContent only, never as HTML.
'use strict';

const state = { csrf: null, user: null, ws: null, tree: new Map(), selected: null, view: 'text',
  subs: new Set(), paused: false, clients: [], sort: { key: 'clientId', dir: 1 }, dirty: false, trace: null };

const $ = (sel) => document.querySelector(sel);
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

async function api(method, path, body) {
  const headers = { 'X-Tern-Console': '1' };
  if (state.csrf) headers['X-CSRF-Token'] = state.csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin' });
  const data = await r.json().catch(() => ({}));
  if (r.status === 401 && path !== '/login') { showLogin(); }
  if (!r.ok) { const e = new Error(data.message || r.statusText); e.status = r.status; throw e; }
  return data;
}

// ------------------------------------------------------------------ login

function showLogin() {
  $('#app').hidden = true; $('#login').hidden = false; $('#logout').hidden = true;
  if (state.ws) { state.ws.close(); state.ws = null; }
}

async function start() {
  try {
    const s = await api('GET', '/api/v1/session');
    state.user = s.user; state.csrf = s.csrf;
    $('#login').hidden = true; $('#app').hidden = false;
    $('#who').textContent = s.user; $('#logout').hidden = !!s.open;
    await loadBroker(); await loadRetainedIntoTree(); connectLive();
    refreshClients(); loadCharts();
  } catch (e) { if (e.status !== 401) console.error(e); showLogin(); }
}

$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#login-error').textContent = '';
  try {
    await api('POST', '/login', { username: $('#login-user').value, password: $('#login-password').value });
    $('#login-password').value = '';
    start();
  } catch (e) { $('#login-error').textContent = e.message; }
});
$('#logout').addEventListener('click', async () => { await api('POST', '/logout').catch(() => {}); state.csrf = null; showLogin(); });

// ------------------------------------------------------------------ tabs

for (const b of document.querySelectorAll('nav button')) {
  b.addEventListener('click', () => {
    for (const o of document.querySelectorAll('nav button')) o.classList.toggle('active', o === b);
    for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== 'tab-' + b.dataset.tab;
    if (b.dataset.tab === 'clients') refreshClients();
    if (b.dataset.tab === 'retained') refreshRetained();
    if (b.dataset.tab === 'charts') loadCharts();
    if (b.dataset.tab === 'trace') refreshTraces();
  });
}

async function loadBroker() {
  const b = await api('GET', '/api/v1/broker');
  const up = b.uptimeSeconds;
  $('#broker-info').textContent = `v${b.version} · up ${Math.floor(up / 3600)}h ${Math.floor(up / 60) % 60}m · ` +
    `${b.clientsConnected} connected · ${b.retained} retained` +
    (b.clusterMembers && b.clusterMembers.length
      ? ` · cluster: ${b.clusterMembers.map(m => m.local ? m.nodeId + ' (this node)' : m.nodeId).join(', ')}` : '');
}
setInterval(() => { if (!$('#app').hidden) loadBroker().catch(() => {}); }, 10000);

// ------------------------------------------------------------------ live feed and topic tree

function connectLive() {
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/live');
  state.ws = ws;
  ws.onopen = () => {
    $('#live-state').textContent = 'live'; $('#live-state').className = 'pill on';
    ws.send(JSON.stringify({ subscribe: '#' }));
    if ($('#tree-sys').checked) ws.send(JSON.stringify({ subscribe: '$SYS/#' }));
    for (const f of state.subs) ws.send(JSON.stringify({ subscribe: f }));
  };
  ws.onclose = () => {
    $('#live-state').textContent = 'offline'; $('#live-state').className = 'pill off';
    if (state.ws === ws && !$('#app').hidden) setTimeout(connectLive, 2000);
  };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (!m.messages) return;
    for (const msg of m.messages) { onMessage(msg); }
    if (m.dropped) console.warn('live feed dropped', m.dropped, 'messages');
  };
}

$('#tree-sys').addEventListener('change', (e) => {
  if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify({ [e.target.checked ? 'subscribe' : 'unsubscribe']: '$SYS/#' }));
  if (!e.target.checked) { for (const k of [...state.tree.keys()]) if (k.startsWith('$SYS/')) state.tree.delete(k); }
  state.dirty = true;
});

function onMessage(msg) {
  const now = Date.now();
  const wantsTree = !msg.topic.startsWith('$SYS/') || $('#tree-sys').checked;
  if (wantsTree) {
    let t = state.tree.get(msg.topic);
    if (!t) { t = { topic: msg.topic, times: [], count: 0 }; state.tree.set(msg.topic, t); }
    t.last = msg; t.count++; t.times.push(now);
    if (msg.retain) t.retained = msg.size > 0; // an empty retained publish clears the topic's retained message
    while (t.times.length && now - t.times[0] > 10000) t.times.shift();
    state.dirty = true;
    if (state.selected === msg.topic) showTopic(msg.topic);
  }
  if (!state.paused && [...state.subs].some((f) => matches(f, msg.topic))) {
    const list = $('#messages');
    list.prepend(el('li', {}, el('span', { class: 't' }, msg.topic), msg.payload !== undefined ? msg.payload : '(binary ' + msg.size + ' bytes)'));
    while (list.children.length > 200) list.lastChild.remove();
  }
}

function matches(filter, topic) {
  const f = filter.split('/'), t = topic.split('/');
  if (t[0].startsWith('$') && (f[0] === '#' || f[0] === '+')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

async function loadRetainedIntoTree() {
  const page = await api('GET', '/api/v1/retained?filter=%23&limit=1000');
  for (const m of page.items) {
    state.tree.set(m.topic, { topic: m.topic, times: [], count: 0, last: m, retained: true });
  }
  state.dirty = true;
}

function renderTree() {
  if (!state.dirty) return;
  state.dirty = false;
  const root = { children: new Map() };
  const q = $('#tree-filter').value.trim();
  const now = Date.now();
  for (const t of [...state.tree.values()].sort((a, b) => a.topic.localeCompare(b.topic))) {
    if (q && !t.topic.includes(q)) continue;
    let node = root;
    const parts = t.topic.split('/');
    parts.forEach((p, i) => {
      if (!node.children.has(p)) node.children.set(p, { name: p, path: parts.slice(0, i + 1).join('/'), children: new Map() });
      node = node.children.get(p);
    });
    node.entry = t;
  }
  const ul = $('#tree');
  ul.replaceChildren(...[...root.children.values()].map((n) => renderNode(n, now)));
}
function renderNode(n, now) {
  const t = n.entry;
  const rate = t ? t.times.filter((x) => now - x <= 10000).length / 10 : 0;
  const row = el('div', { class: 'node' + (t && state.selected === t.topic ? ' selected' : ''), 'data-topic': n.path },
    el('span', { class: 'name' }, n.name),
    t && t.retained ? el('span', { class: 'ret', title: 'retained' }, 'R') : '',
    t ? el('span', { class: 'value' }, t.last.payload !== undefined ? t.last.payload : '(' + t.last.size + ' bytes)') : '',
    t && rate > 0 ? el('span', { class: 'rate' }, rate.toFixed(1) + '/s') : '');
  if (t) row.addEventListener('click', () => {
    state.selected = t.topic; showTopic(t.topic);
    for (const o of document.querySelectorAll('.tree .node.selected')) o.classList.remove('selected');
    row.classList.add('selected');
  });
  const li = el('li', {}, row);
  if (n.children.size) li.append(el('ul', {}, ...[...n.children.values()].map((c) => renderNode(c, now))));
  return li;
}
setInterval(renderTree, 500);
setInterval(() => { state.dirty = true; }, 2000); // rates decay
$('#tree-filter').addEventListener('input', () => { state.dirty = true; });

function decode(b64) { const s = atob(b64 || ''); const a = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; }

function showTopic(topic) {
  const t = state.tree.get(topic);
  if (!t) return;
  const m = t.last;
  $('#viewer-topic').textContent = topic;
  $('#viewer-meta').textContent = `QoS ${m.qos} · ${m.size} bytes${t.retained ? ' · retained' : ''}${m.truncated ? ' · truncated' : ''}` +
    (m.publisher ? ' · from ' + m.publisher : '') + ` · ${t.count} seen`;
  $('#viewer-delete').hidden = !t.retained;
  let text;
  if (state.view === 'hex') {
    const bytes = decode(m.payloadBase64);
    const lines = [];
    for (let i = 0; i < bytes.length; i += 16) {
      const row = [...bytes.slice(i, i + 16)];
      lines.push(i.toString(16).padStart(6, '0') + '  ' + row.map((b) => b.toString(16).padStart(2, '0')).join(' ').padEnd(48) +
        '  ' + row.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join(''));
    }
    text = lines.join('\n');
  } else if (state.view === 'json') {
    try { text = JSON.stringify(JSON.parse(m.payload), null, 2); } catch (e) { text = '(not JSON) ' + (m.payload ?? ''); }
  } else {
    text = m.payload !== undefined ? m.payload : '(binary payload: use Hex)';
  }
  $('#viewer-payload').textContent = text;
}
for (const b of document.querySelectorAll('[data-view]')) {
  b.addEventListener('click', () => {
    state.view = b.dataset.view;
    for (const o of document.querySelectorAll('[data-view]')) o.classList.toggle('active', o === b);
    if (state.selected) showTopic(state.selected);
  });
}
$('#viewer-delete').addEventListener('click', async () => {
  const topic = state.selected;
  await api('DELETE', '/api/v1/retained/message?topic=' + encodeURIComponent(topic));
  const t = state.tree.get(topic); if (t) t.retained = false;
  showTopic(topic); state.dirty = true;
});

// ------------------------------------------------------------------ clients

const fmtBytes = (n) => n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' kB' : (n / 1048576).toFixed(1) + ' MB';
const fmtSince = (ms) => ms ? new Date(ms).toLocaleTimeString() : '';

async function refreshClients() {
  const page = await api('GET', '/api/v1/clients?limit=1000');
  state.clients = page.items;
  $('#clients-count').textContent = page.total + ' sessions';
  renderClients();
}
function renderClients() {
  const q = $('#clients-filter').value.trim();
  const online = $('#clients-online').checked;
  const { key, dir } = state.sort;
  const rows = state.clients.filter((c) => (!online || c.connected) &&
    (!q || [c.clientId, c.username, c.address].some((v) => v && v.includes(q))))
    .sort((a, b) => { const x = a[key] ?? '', y = b[key] ?? ''; return (x > y ? 1 : x < y ? -1 : 0) * dir; });
  $('#clients-table tbody').replaceChildren(...rows.map((c) => el('tr', { class: c.connected ? '' : 'offline', 'data-client': c.clientId },
    el('td', {}, c.clientId), el('td', {}, c.username ?? ''), el('td', {}, c.address ?? 'offline'),
    el('td', {}, c.protocolVersion), el('td', {}, c.listenerPort ?? ''), el('td', {}, fmtSince(c.connectedSince)),
    el('td', { class: 'num' }, c.keepAlive), el('td', { class: 'num' }, c.subscriptions), el('td', { class: 'num' }, c.queued),
    el('td', { class: 'num' }, c.inflight), el('td', { class: 'num' }, fmtBytes(c.bytesIn)), el('td', { class: 'num' }, fmtBytes(c.bytesOut)),
    el('td', {}, c.connected
      ? el('button', { class: 'danger kick', onclick: () => act(c.clientId, 'kick') }, 'Kick')
      : el('button', { class: 'expire', onclick: () => act(c.clientId, 'expire') }, 'Expire')))));
  for (const th of document.querySelectorAll('#clients-table th[data-sort]')) th.classList.toggle('sorted', th.dataset.sort === key);
}
async function act(id, what) {
  try { await api('POST', `/api/v1/clients/${encodeURIComponent(id)}/${what}`); } catch (e) { alert(e.message); }
  setTimeout(refreshClients, 300);
}
for (const th of document.querySelectorAll('#clients-table th[data-sort]')) {
  th.addEventListener('click', () => {
    state.sort = { key: th.dataset.sort, dir: state.sort.key === th.dataset.sort ? -state.sort.dir : 1 };
    renderClients();
  });
}
$('#clients-filter').addEventListener('input', renderClients);
$('#clients-online').addEventListener('change', renderClients);
$('#clients-refresh').addEventListener('click', refreshClients);
setInterval(() => { if (!$('#tab-clients').hidden) refreshClients().catch(() => {}); }, 5000);

// ------------------------------------------------------------------ retained

async function refreshRetained() {
  const f = $('#retained-filter').value.trim() || '#';
  const s = $('#retained-search').value.trim();
  try {
    const page = await api('GET', '/api/v1/retained?limit=1000&filter=' + encodeURIComponent(f) + (s ? '&search=' + encodeURIComponent(s) : ''));
    $('#retained-count').textContent = page.total + ' retained';
    $('#retained-table tbody').replaceChildren(...page.items.map((m) => el('tr', { 'data-topic': m.topic },
      el('td', {}, m.topic), el('td', {}, m.qos), el('td', { class: 'num' }, m.size),
      el('td', {}, m.payload !== undefined ? m.payload : '(binary)'),
      el('td', {}, el('button', { class: 'danger delete', onclick: async () => {
        await api('DELETE', '/api/v1/retained/message?topic=' + encodeURIComponent(m.topic));
        const t = state.tree.get(m.topic); if (t) { t.retained = false; state.dirty = true; }
        refreshRetained();
      } }, 'Delete')))));
  } catch (e) { $('#retained-count').textContent = e.message; }
}
$('#retained-refresh').addEventListener('click', refreshRetained);
$('#retained-delete-all').addEventListener('click', async () => {
  const f = $('#retained-filter').value.trim() || '#';
  if (!confirm('Delete every retained message matching ' + f + '?')) return;
  await api('DELETE', '/api/v1/retained?filter=' + encodeURIComponent(f));
  refreshRetained();
});

// ------------------------------------------------------------------ publish and subscribe

$('#publish-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const body = { topic: $('#publish-topic').value, payload: $('#publish-payload').value,
    qos: Number($('#publish-qos').value), retain: $('#publish-retain').checked };
  try {
    const r = await api('POST', '/api/v1/publish', body);
    $('#publish-result').textContent = `Published ${r.size} bytes to ${r.topic} at QoS ${r.qos}.`;
  } catch (e) { $('#publish-result').textContent = 'Refused: ' + e.message; }
});
$('#subscribe-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = $('#subscribe-filter').value.trim();
  if (!f) return;
  state.subs.add(f);
  if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify({ subscribe: f }));
  renderSubs();
});
function renderSubs() {
  $('#subscriptions').replaceChildren(...[...state.subs].map((f) => el('span', { class: 'chip' }, f,
    el('button', { title: 'unsubscribe', onclick: () => {
      state.subs.delete(f);
      if (f !== '#' && state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify({ unsubscribe: f }));
      renderSubs();
    } }, '×'))));
}
$('#subscribe-pause').addEventListener('click', (e) => { state.paused = !state.paused; e.target.textContent = state.paused ? 'Resume' : 'Pause'; });
$('#subscribe-clear').addEventListener('click', () => $('#messages').replaceChildren());

// ------------------------------------------------------------------ charts (last hour of $SYS totals)

async function loadCharts() {
  const h = await api('GET', '/api/v1/history');
  const s = h.samples;
  const rate = (k) => s.slice(1).map((x, i) => ({ t: x.time, v: Math.max(0, (x[k] - s[i][k]) * 1000 / Math.max(1, x.time - s[i].time)) }));
  chart($('#chart-messages'), [rate('messagesReceived'), rate('messagesSent')]);
  chart($('#chart-connections'), [s.map((x) => ({ t: x.time, v: x.clientsConnected }))]);
  chart($('#chart-bytes'), [rate('bytesReceived'), rate('bytesSent')]);
  document.body.dataset.chartsAt = String(Date.now());
}
function chart(canvas, series) {
  const g = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, L = 48, B = 20;
  g.clearRect(0, 0, W, H);
  const all = series.flat();
  const now = Date.now(), t0 = now - 3600 * 1000;
  const max = Math.max(1, ...all.map((p) => p.v));
  g.strokeStyle = '#dde3ea'; g.fillStyle = '#6b7785'; g.font = '11px sans-serif';
  for (let i = 0; i <= 4; i++) {
    const y = H - B - (H - B - 8) * i / 4;
    g.beginPath(); g.moveTo(L, y); g.lineTo(W, y); g.stroke();
    g.fillText(fmtNum(max * i / 4), 2, y + 4);
  }
  for (let m = 0; m <= 60; m += 15) {
    const label = m === 60 ? 'now' : '-' + (60 - m) + 'm';
    g.fillText(label, Math.min(W - g.measureText(label).width - 2, L + (W - L - 20) * m / 60), H - 4);
  }
  ['#2b7bb9', '#e67e22'].forEach((color, k) => {
    const pts = series[k]; if (!pts || !pts.length) return;
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    pts.forEach((p, i) => {
      const x = L + (W - L - 20) * Math.max(0, p.t - t0) / 3600000, y = H - B - (H - B - 8) * p.v / max;
      if (i) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
  });
}
const fmtNum = (v) => v >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : v >= 1e3 ? (v / 1e3).toFixed(1) + 'k' : v.toFixed(v < 10 ? 1 : 0);
setInterval(() => { if (!$('#tab-charts').hidden) loadCharts().catch(() => {}); }, 10000);

// ------------------------------------------------------------------ trace

$('#trace-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#trace-error').textContent = '';
  const body = { durationSeconds: Number($('#trace-seconds').value) };
  if ($('#trace-client').value.trim()) body.clientId = $('#trace-client').value.trim();
  if ($('#trace-filter').value.trim()) body.filter = $('#trace-filter').value.trim();
  try { const t = await api('POST', '/api/v1/traces', body); state.trace = t.id; refreshTraces(); }
  catch (e) { $('#trace-error').textContent = e.message; }
});
async function refreshTraces() {
  const list = await api('GET', '/api/v1/traces');
  $('#trace-list').replaceChildren(...list.map((t) => el('span', { class: 'chip', onclick: () => { state.trace = t.id; refreshTraces(); } },
    `#${t.id} ${t.clientId ?? ''} ${t.filter ?? ''} · ${t.state} · ${t.events} events`,
    el('button', { title: 'delete', onclick: async (e) => { e.stopPropagation(); await api('DELETE', '/api/v1/traces/' + t.id); refreshTraces(); } }, '×'))));
  if (!state.trace) { $('#trace-table tbody').replaceChildren(); return; }
  try {
    const t = await api('GET', '/api/v1/traces/' + state.trace);
    $('#trace-table tbody').replaceChildren(...t.eventList.map((e) => el('tr', { class: 'ev-' + e.kind },
      el('td', {}, new Date(e.time).toLocaleTimeString()), el('td', {}, e.kind), el('td', {}, e.clientId ?? ''),
      el('td', {}, e.topic ?? ''), el('td', {}, e.qos ?? ''), el('td', {}, e.detail ?? ''))));
  } catch (e) { state.trace = null; }
}
setInterval(() => { if (!$('#tab-trace').hidden) refreshTraces().catch(() => {}); }, 2000);

start();
