// The Web plugin's page: a virtualized flow list fed by the /updates WebSocket, a detail pane for one flow, and the
// toolbar's actions, over the JSON API of API.md. No framework and no build step: DOM is built with el(), always
// through textContent (flow data is never parsed as HTML), and the list reuses one small pool of row elements.

const ROW_H = 24;              // px; the same as --row-h in app.css
const OVERSCAN = 10;           // rows asked for above and below the screen
const MAX_SPACER = 10_000_000; // px; taller elements break browsers, so past this scrollTop maps to rows proportionally
const MAX_LIMIT = 1000;        // the API's largest page
const RANGE_CAP = 20_000;      // the largest Shift-click range (its ids are fetched page by page)
const URL_IDS_CAP = 150;       // ids that fit in a download URL (Kestrel's request line is 8 KiB)
const TEXT_CAP = 1 << 20;      // body text shown at most
const PARSE_CAP = 8 << 20;     // JSON parsed at most
const HEX_CAP = 64 << 10;      // bytes a hex dump shows at most
const WS_MESSAGES_CAP = 2000;  // WebSocket/TCP messages listed at most
const FILTER_DELAY = 300;      // ms of typing pause before the filter is sent
const MARKERS = [':default:', 'a', 'b', 'c', '1', '2', '3', ':grapes:', ':red_circle:', ':star:', ':heart:',
  ':fire:', ':bug:', ':eyes:', ':warning:'];
// The emoji of common marker names; another name shows as the name itself (the server knows all of gemoji's).
const EMOJI = {
  grapes: '🍇', red_circle: '🔴', large_blue_circle: '🔵', blue_circle: '🔵', green_circle: '🟢',
  yellow_circle: '🟡', orange_circle: '🟠', purple_circle: '🟣', star: '⭐', heart: '❤️', fire: '🔥', bug: '🐛',
  eyes: '👀', warning: '⚠️', x: '❌', white_check_mark: '✅', heavy_check_mark: '✔️', rocket: '🚀', tada: '🎉',
  lock: '🔒', '+1': '👍', '-1': '👎', question: '❓', exclamation: '❗', bomb: '💣', zap: '⚡', apple: '🍎',
  cherries: '🍒', lemon: '🍋', banana: '🍌', watermelon: '🍉', strawberry: '🍓', pushpin: '📌', bookmark: '🔖',
};

const $ = (sel, root = document) => root.querySelector(sel);
const fmtNum = new Intl.NumberFormat('en-US').format;

/** Builds an element: attrs (text, class, on*, anything else as an attribute) and children (nodes or strings). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.flat().filter(c => c != null && c !== false));
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

function markerGlyph(marker) {
  if (!marker) return '';
  if (marker === ':default:') return '●';
  if (marker.length === 1) return marker;
  const name = marker.replace(/^:|:$/g, '');
  return EMOJI[name] ?? name;
}

function humanSize(n) {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

function humanDuration(ms) {
  if (ms == null) return '';
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  return `${(ms / 60_000).toFixed(1)}min`;
}

/** Local HH:MM:SS.mmm of a Unix ms time. */
function clock(ms) {
  if (ms == null) return '';
  const d = new Date(ms), p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function statusClass(row) {
  if (row.error) return 'st-error';
  const s = row.status;
  return s ? `st-${Math.floor(s / 100)}xx` : '';
}

function base64Bytes(b64) {
  try { return Uint8Array.from(atob(b64 ?? ''), c => c.charCodeAt(0)); } catch { return new Uint8Array(); }
}

/** A hex dump (offset, 16 bytes in hex, ASCII) of at most `cap` bytes. */
function hexdump(bytes, cap = HEX_CAP) {
  const n = Math.min(bytes.length, cap), lines = [];
  for (let off = 0; off < n; off += 16) {
    let hex = '', ascii = '';
    for (let j = 0; j < 16; j++) {
      if (off + j < n) {
        const b = bytes[off + j];
        hex += b.toString(16).padStart(2, '0') + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else hex += '   ';
      if (j === 7) hex += ' ';
    }
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex} ${ascii}`);
  }
  return lines.join('\n');
}

/** Whether bytes read as text: no NULs and valid UTF-8 in the first 4 KiB. */
function looksText(bytes) {
  const head = bytes.subarray(0, 4096);
  if (head.includes(0)) return false;
  // stream: a character cut at the 4 KiB edge is not an error.
  try { new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true }); return true; } catch { return false; }
}

function decodeText(bytes, contentType) {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType ?? '')?.[1];
  try { return new TextDecoder(charset || 'utf-8').decode(bytes); } catch { return new TextDecoder().decode(bytes); }
}

// ---------------------------------------------------------------------------------------------------------------
// Messages and the API

const msgBox = $('#message');
let msgTimer = 0;

/** Shows a sentence in the message area; errors stay until dismissed, notes go after a few seconds. */
function showMessage(text, kind = 'error', cause = '') {
  clearTimeout(msgTimer);
  $('.text', msgBox).textContent = text;
  msgBox.dataset.kind = kind;
  msgBox.dataset.cause = cause; // 'connection': gone once the socket is back
  msgBox.hidden = false;
  if (kind !== 'error') msgTimer = setTimeout(() => { msgBox.hidden = true; }, 6000);
}
$('.close', msgBox).addEventListener('click', () => { msgBox.hidden = true; });

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

const TOKEN_MESSAGE = 'Not authorized: the token is missing or has expired. Open the URL the proxy printed at start ' +
  '(Web interface at http://…/?token=…) again.';

/**
 * Calls the API. Throws ApiError with the server's sentence; shows it in the message area unless `quiet` (the caller
 * shows it in place), though a missing token or an unreachable server is always shown there.
 */
async function api(method, url, body, { raw = false, quiet = false } = {}) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (method !== 'GET') init.headers['X-Requested-With'] = 'addons-web';
  if (body instanceof Blob) {
    init.body = body;
    init.headers['Content-Type'] = 'application/octet-stream';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let res = null, error = null;
  try {
    res = await fetch(url, init);
  } catch (e) {
    error = new ApiError(0, `The server did not answer (${e.message}).`);
  }
  if (res?.ok) {
    if (raw) return res;
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }
  if (res) {
    let sentence = `${method} ${url.split('?')[0]}: ${res.status} ${res.statusText}`.trim();
    try {
      const j = await res.json();
      if (typeof j?.error === 'string') sentence = j.error;
    } catch { /* not JSON: keep the status line */ }
    error = new ApiError(res.status, res.status === 401 ? TOKEN_MESSAGE : sentence);
  }
  if (error.status === 401 || error.status === 0) showMessage(error.message, 'error', 'connection');
  else if (!quiet) showMessage(error.message);
  throw error;
}

/** Runs a command with text arguments; resolves to its result. */
const command = (name, args = [], opts) =>
  api('POST', `/api/commands/${encodeURIComponent(name)}`, { arguments: args.map(String) }, opts).then(r => r?.result);

/** Runs a command from a button or key: errors are shown by api(), so they need no handler here. */
const run = (name, args, opts) => command(name, args, opts).catch(() => undefined);

// ---------------------------------------------------------------------------------------------------------------
// State

const S = {
  page: null,            // the latest page (its rows are what the list shows)
  prevPage: null,        // the one before, to fill rows while the next window's page is on its way
  total: 0,
  selected: new Set(),   // ids of the selected flows
  anchor: null,          // index where a Shift range starts
  cursor: null,          // index of the current row (keyboard moves from here)
  pendingIndex: null,    // an index selected before its row arrived; its id is taken from the next page
  rangeSeq: 0,
  filterSending: 0,      // PUT /api/options in flight
  filterBusy: false,     // the server's {"type":"filter","busy":true}
  filterError: null,
  lastSentFilter: null,
};

// ---------------------------------------------------------------------------------------------------------------
// The WebSocket

const ws = { sock: null, delay: 500, timer: 0, sent: null };
const wsState = $('#ws-state');

function setWsState(state, text) {
  wsState.dataset.state = state;
  wsState.textContent = text;
}

function send(message) {
  if (ws.sock?.readyState === WebSocket.OPEN) ws.sock.send(JSON.stringify(message));
}

function connect() {
  clearTimeout(ws.timer);
  setWsState('connecting', 'connecting…');
  const sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/updates`);
  ws.sock = sock;
  sock.onopen = () => {
    ws.delay = 500;
    setWsState('open', 'live');
    if (msgBox.dataset.cause === 'connection') msgBox.hidden = true;
    ws.sent = null; // a new connection knows no window: send it and the selection again
    sendWindow();
    send({ type: 'select', id: D.id });
  };
  sock.onmessage = e => {
    let m;
    try { m = JSON.parse(e.data); } catch { return; }
    onMessage(m);
  };
  sock.onclose = () => {
    if (ws.sock !== sock) return;
    ws.sock = null;
    const wait = ws.delay;
    ws.delay = Math.min(wait * 2, 15_000);
    setWsState('closed', `disconnected; retrying in ${Math.round(wait / 100) / 10}s`);
    ws.timer = setTimeout(connect, wait);
    // The handshake's status is hidden from scripts: ask the API whether the token is the reason (api() says so).
    api('GET', '/api/flows?offset=0&limit=0', undefined, { quiet: true }).catch(() => undefined);
  };
}

function onMessage(m) {
  switch (m.type) {
    case 'page': onPage(m); break;
    case 'flow': onFlow(m); break;
    case 'stats': onStats(m); break;
    case 'filter': S.filterBusy = !!m.busy; updateBusy(); break;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The flow list: a scroll container with a spacer as tall as every row, and only the rows on screen in it

const list = {
  scroller: $('#flow-table'),
  body: $('#flow-body'),
  rows: [],        // the pool: {el, cells, index, data, selected}
  viewH: 0,        // px of rows on screen (below the sticky header)
  ratio: 1,        // virtual px per scroll px (1 unless the spacer is capped)
  frame: 0,
};
const HEADER_H = ROW_H;
const CELLS = ['mark', 'method', 'host', 'path', 'status', 'size', 'duration', 'time'];

function makeRow() {
  const cells = {};
  const e = el('div', { class: 'row', role: 'row', 'data-testid': 'flow-row', 'aria-selected': 'false' },
    CELLS.map(c => (cells[c] = el('span', { class: `c-${c}`, role: 'gridcell' }))));
  list.body.append(e);
  return { el: e, cells, index: -1, data: undefined, selected: false };
}

/** Sizes the spacer and the row pool to the total and the screen. */
function layout() {
  const totalPx = S.total * ROW_H;
  list.viewH = Math.max(0, list.scroller.clientHeight - HEADER_H);
  const spacer = Math.min(totalPx, MAX_SPACER);
  list.body.style.height = `${spacer}px`;
  list.ratio = totalPx > spacer && spacer > list.viewH ? (totalPx - list.viewH) / (spacer - list.viewH) : 1;
  const need = Math.ceil(list.viewH / ROW_H) + 1;
  while (list.rows.length < need) list.rows.push(makeRow());
}

const virtualTop = () => list.scroller.scrollTop * list.ratio;
const firstVisible = () => Math.floor(virtualTop() / ROW_H);
const visibleCount = () => Math.max(1, Math.ceil(list.viewH / ROW_H));

/** Scrolls so that row i is on screen. */
function scrollToIndex(i) {
  const top = i * ROW_H, vt = virtualTop();
  let target = null;
  if (top < vt) target = top;
  else if (top + ROW_H > vt + list.viewH) target = top + ROW_H - list.viewH;
  if (target != null) list.scroller.scrollTop = Math.round(target / list.ratio);
}

/** The row at index i from the pages at hand, or null (a blank placeholder). */
function rowAt(i) {
  for (const p of [S.page, S.prevPage]) {
    const r = p?.rows[i - p.offset];
    if (r?.index === i) return r;
  }
  return null;
}

function render() {
  const st = list.scroller.scrollTop, vt = st * list.ratio, first = Math.floor(vt / ROW_H);
  for (let k = 0; k < list.rows.length; k++) {
    const r = list.rows[k], i = first + k;
    // Rows past the end leave the DOM, so that every flow-row element is a row on screen.
    if (i >= S.total) {
      r.el.remove();
      continue;
    }
    if (!r.el.isConnected) list.body.append(r.el);
    // Unscaled this is i * ROW_H; scaled, rows are placed relative to the screen's top.
    r.el.style.transform = `translateY(${st + i * ROW_H - vt}px)`;
    fillRow(r, i, rowAt(i));
  }
}

function fillRow(r, i, data) {
  const selected = !!data && S.selected.has(data.id);
  const cursor = i === S.cursor;
  if (r.index === i && r.data === data && r.selected === selected && r.cursor === cursor) return;
  r.index = i; r.data = data; r.selected = selected; r.cursor = cursor;
  const e = r.el, c = r.cells;
  e.dataset.index = i;
  e.dataset.id = data?.id ?? '';
  e.setAttribute('aria-selected', String(selected));
  e.classList.toggle('cursor', cursor);
  e.classList.toggle('placeholder', !data);
  e.classList.toggle('intercepted', !!data?.intercepted);
  e.classList.toggle('live', !!data?.live);
  e.classList.toggle('cold', !!data?.cold);
  e.title = data?.url ?? '';
  c.mark.textContent = markerGlyph(data?.marked);
  c.mark.title = data?.marked ?? '';
  c.method.textContent = data?.method ?? '';
  c.host.textContent = data?.host ?? '';
  c.path.textContent = data?.path ?? '';
  c.status.textContent = data ? (data.error ? 'error' : data.status ?? '') : '';
  c.status.className = `c-status ${data ? statusClass(data) : ''}`;
  c.size.textContent = data ? humanSize(data.size) : '';
  c.duration.textContent = data ? humanDuration(data.duration) : '';
  c.time.textContent = data ? clock(data.time) : '';
}

/** Asks for the rows on screen when they changed. */
function sendWindow() {
  const limit = Math.min(MAX_LIMIT, visibleCount() + 2 * OVERSCAN);
  // At the end of a growing list, an offset would be stale by the time its page comes: ask for the tail instead.
  const sc = list.scroller;
  const tail = S.total > visibleCount() && sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 2;
  const offset = tail ? -1 : Math.max(0, firstVisible() - OVERSCAN);
  if (ws.sent?.offset === offset && ws.sent?.limit === limit) return;
  if (ws.sock?.readyState !== WebSocket.OPEN) return;
  ws.sent = { offset, limit };
  send(tail ? { type: 'window', tail: true, limit } : { type: 'window', offset, limit });
}

/** Renders and updates the window at most once a frame, however often scroll events come. */
function schedule() {
  if (list.frame) return;
  list.frame = requestAnimationFrame(() => {
    list.frame = 0;
    render();
    sendWindow();
  });
}

list.scroller.addEventListener('scroll', schedule, { passive: true });
new ResizeObserver(() => { layout(); schedule(); }).observe(list.scroller);

function onPage(p) {
  // A page of an older order or filter would put wrong rows on screen: keep the previous one only if it agrees.
  const prev = S.page;
  S.prevPage = prev && prev.total === p.total && prev.order === p.order && prev.reversed === p.reversed &&
    prev.filter === p.filter && prev.markedOnly === p.markedOnly ? prev : null;
  S.page = p;
  if (p.total !== S.total) {
    // A list scrolled to its end follows new flows, as mitmweb's does.
    const sc = list.scroller, atEnd = S.total > 0 && sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 2;
    S.total = p.total;
    layout();
    if (atEnd) sc.scrollTop = sc.scrollHeight;
  }
  // Keep the cursor on its flow when the order moved it, and resolve a selection made before its row arrived.
  for (const r of p.rows) {
    if (r.id === D.id && S.pendingIndex == null) S.cursor = r.index;
    if (r.index === S.pendingIndex) {
      S.pendingIndex = null;
      S.selected = new Set([r.id]);
      openDetail(r.id);
      updateSelection();
    }
  }
  updateViewState(p);
  list.scroller.dataset.empty = p.total ? '' : p.filter || p.markedOnly ? 'No flows match.' : 'No flows yet.';
  render();
  schedule(); // the total may have moved the scroll position
}

function updateViewState(p) {
  $('#flow-count').textContent = `${fmtNum(p.total)} of ${fmtNum(p.storeCount)} flows`;
  const order = $('#order-select');
  if (![...order.options].some(o => o.value === p.order)) order.append(el('option', { value: p.order, text: p.order }));
  order.value = p.order;
  $('#reverse-toggle').setAttribute('aria-pressed', String(p.reversed));
  $('#marked-toggle').setAttribute('aria-pressed', String(p.markedOnly));
  const active = $('#filter-active');
  active.hidden = !p.filter;
  active.textContent = p.filter ? `filter: ${p.filter}` : '';
  active.title = p.filter;
  for (const h of document.querySelectorAll('.thead [data-order]')) {
    h.dataset.sorted = h.dataset.order === p.order ? (p.reversed ? 'desc' : 'asc') : '';
  }
  // Follow a filter set elsewhere (the console, another tab) unless the user is editing or fixing one here.
  const input = $('#filter-input');
  if (document.activeElement !== input && !S.filterError && !S.filterSending && !filterTimer && input.value !== p.filter) {
    input.value = p.filter;
    S.lastSentFilter = p.filter;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Selection

function updateSelection() {
  for (const r of list.rows) r.index = -1; // force a refill of selection and cursor state
  render();
  const n = S.selected.size;
  $('#selection-count').textContent = n > 1 ? `${fmtNum(n)} selected` : '';
  for (const id of ['#mark-btn', '#unmark-btn', '#duplicate-btn', '#delete-btn']) $(id).disabled = n === 0;
  updateDownload();
}

/** Selects row i: 'single' replaces the selection, 'toggle' flips one row, 'range' selects anchor..i. */
function selectAt(i, mode = 'single') {
  if (i < 0 || i >= S.total) return;
  const row = rowAt(i);
  S.cursor = i;
  if (mode === 'range' && S.anchor != null) {
    selectRange(Math.min(S.anchor, i), Math.max(S.anchor, i));
    if (row) openDetail(row.id);
    return;
  }
  S.anchor = i;
  S.pendingIndex = null;
  if (mode === 'toggle' && row) {
    if (S.selected.delete(row.id)) {
      if (D.id === row.id) closeDetail();
    } else {
      S.selected.add(row.id);
      openDetail(row.id);
    }
  } else {
    S.selected = new Set(row ? [row.id] : []);
    if (row) openDetail(row.id);
    else S.pendingIndex = i; // taken from the page the scroll asks for
  }
  updateSelection();
}

/** Selects rows lo..hi; ids not at hand are fetched a page at a time. */
async function selectRange(lo, hi) {
  const seq = ++S.rangeSeq, ids = new Set();
  let missing = false;
  for (let i = lo; i <= hi; i++) {
    const r = rowAt(i);
    if (r) ids.add(r.id); else missing = true;
  }
  S.selected = ids;
  updateSelection();
  if (!missing) return;
  if (hi - lo + 1 > RANGE_CAP) {
    showMessage(`A range selects at most ${fmtNum(RANGE_CAP)} flows; the rows on screen were selected.`);
    return;
  }
  try {
    for (let off = lo; off <= hi; off += MAX_LIMIT) {
      const p = await api('GET', `/api/flows?offset=${off}&limit=${Math.min(MAX_LIMIT, hi - off + 1)}`);
      if (seq !== S.rangeSeq) return;
      for (const r of p.rows) ids.add(r.id);
    }
  } catch { /* shown by api() */ }
  if (seq === S.rangeSeq) updateSelection();
}

function moveCursor(delta, extend) {
  if (!S.total) return;
  const from = S.cursor ?? (delta > 0 ? firstVisible() - 1 : firstVisible() + 1);
  const to = Math.max(0, Math.min(S.total - 1, from + delta));
  if (extend && S.anchor == null) S.anchor = Math.max(0, Math.min(S.total - 1, from));
  selectAt(to, extend ? 'range' : 'single');
  scrollToIndex(to);
}

list.body.addEventListener('click', e => {
  const row = e.target.closest('.row');
  if (!row) return;
  const i = Number(row.dataset.index);
  selectAt(i, e.shiftKey ? 'range' : e.ctrlKey || e.metaKey ? 'toggle' : 'single');
  list.scroller.focus({ preventScroll: true });
});
// Shift-click would otherwise select the page's text.
list.body.addEventListener('mousedown', e => { if (e.shiftKey) e.preventDefault(); });

const selector = () => `@${[...S.selected].join(',')}`;

// ---------------------------------------------------------------------------------------------------------------
// Actions

const markerSelect = $('#marker-select');
for (const m of MARKERS) markerSelect.append(el('option', { value: m, text: `${markerGlyph(m)}  ${m}` }));

function mark(marker) {
  if (S.selected.size) run('flow.mark', [selector(), marker]);
}

/** m: unmark when every selected row at hand has the chosen marker, else mark them with it. */
function toggleMark() {
  if (!S.selected.size) return;
  const marker = markerSelect.value;
  const known = [...S.selected].map(id => findRow(id)).filter(Boolean);
  mark(known.length && known.every(r => r.marked === marker) ? '' : marker);
}

function findRow(id) {
  return S.page?.rows.find(r => r.id === id) ?? S.prevPage?.rows.find(r => r.id === id) ?? null;
}

async function duplicate() {
  if (!S.selected.size) return;
  const copies = await run('view.flows.duplicate', [selector()]);
  if (Array.isArray(copies) && copies.length) {
    S.selected = new Set(copies.map(f => f.id));
    S.anchor = S.cursor = null;
    openDetail(copies[0].id);
    updateSelection();
  }
}

async function remove() {
  const n = S.selected.size;
  if (!n || (n > 1 && !confirm(`Delete ${fmtNum(n)} flows?`))) return;
  const ids = new Set(S.selected); // flow messages may prune the selection while the command runs
  try {
    await command('view.flows.remove', [selector()]);
  } catch { return; }
  if (ids.has(D.id)) closeDetail();
  S.selected.clear();
  S.anchor = null;
  updateSelection();
}

async function clearAll() {
  if (!confirm('Remove every flow from the view and the store?')) return;
  try { await command('view.clear'); } catch { return; }
  closeDetail();
  S.selected.clear();
  S.anchor = S.cursor = null;
  updateSelection();
}

// Intercept: the intercept option holds matching flows; resume and kill act on held or live ones.
const interceptInput = $('#intercept-input');
const resume = () => { if (S.selected.size) run('flow.resume', [selector()]); };
const resumeAll = () => run('flow.resume', ['@all']);
const kill = () => { if (S.selected.size) run('flow.kill', [selector()]); };

async function setIntercept() {
  try {
    await api('PUT', '/api/options', { intercept: interceptInput.value }, { quiet: true });
    interceptInput.classList.remove('invalid');
    interceptInput.removeAttribute('aria-invalid');
    interceptInput.title = interceptInput.value ? `Holding flows that match ${interceptInput.value}` : 'Holding no flows';
  } catch (e) {
    interceptInput.classList.add('invalid');
    interceptInput.setAttribute('aria-invalid', 'true');
    showMessage(e.message);
  }
}

interceptInput.addEventListener('keydown', e => { if (e.key === 'Enter') setIntercept(); });
$('#resume-btn').addEventListener('click', resume);
$('#resume-all-btn').addEventListener('click', resumeAll);
$('#kill-btn').addEventListener('click', kill);
api('GET', '/api/options', undefined, { quiet: true }).then(options => {
  const option = Array.isArray(options) ? options.find(o => o.name === 'intercept') : null;
  if (option) interceptInput.value = option.value ?? '';
  else interceptInput.closest('.group').hidden = true; // a host without the intercept addon
}).catch(() => undefined);

$('#mark-btn').addEventListener('click', () => mark(markerSelect.value));
$('#unmark-btn').addEventListener('click', () => mark(''));
$('#duplicate-btn').addEventListener('click', duplicate);
$('#delete-btn').addEventListener('click', remove);
$('#clear-btn').addEventListener('click', clearAll);

$('#order-select').addEventListener('change', e => run('view.order.set', [e.target.value]));
$('#reverse-toggle').addEventListener('click', () => run('view.order.reverse', [String(!S.page?.reversed)]));
$('#marked-toggle').addEventListener('click', () => run('view.properties.marked.toggle'));
// A column header sets its order, or reverses the order it already has.
$('.thead').addEventListener('click', e => {
  const key = e.target.closest('[data-order]')?.dataset.order;
  if (!key) return;
  if (S.page?.order === key) run('view.order.reverse', [String(!S.page.reversed)]);
  else run('view.order.set', [key]);
});

function updateDownload() {
  const scope = $('#download-scope').value, link = $('#download-link');
  let flows = scope;
  if (scope === 'auto') flows = S.selected.size ? selector() : '@shown';
  const tooMany = scope === 'auto' && S.selected.size > URL_IDS_CAP;
  link.classList.toggle('disabled', tooMany);
  link.setAttribute('aria-disabled', String(tooMany));
  link.title = tooMany
    ? `A download names at most ${URL_IDS_CAP} selected flows; mark them and download "marked" instead.`
    : `Download ${flows === '@shown' ? 'the shown flows' : flows === selector() ? 'the selected flows' : flows}`;
  link.href = `/api/flows/download?format=${$('#download-format').value}&flows=${encodeURIComponent(flows)}`;
  link.textContent = scope === 'auto' && S.selected.size ? `download ${fmtNum(S.selected.size)}` : 'download';
}
$('#download-scope').addEventListener('change', updateDownload);
$('#download-format').addEventListener('change', updateDownload);
$('#download-link').addEventListener('click', e => {
  if (e.currentTarget.classList.contains('disabled')) {
    e.preventDefault();
    showMessage(e.currentTarget.title);
  }
});

$('#upload-btn').addEventListener('click', () => $('#upload-input').click());
$('#upload-input').addEventListener('change', async e => {
  const file = e.target.files[0];
  e.target.value = ''; // the same file can be chosen again
  if (!file) return;
  showMessage(`Loading ${file.name}…`, 'info');
  try {
    const r = await api('POST', `/api/flows/upload?name=${encodeURIComponent(file.name)}`, file);
    showMessage(`Loaded ${fmtNum(r.loaded)} flows from ${file.name}.`, 'info');
  } catch { /* shown by api() */ }
});

// ---------------------------------------------------------------------------------------------------------------
// The filter

const filterInput = $('#filter-input');
let filterTimer = 0, filterSeq = 0;

function updateBusy() {
  $('#filter-busy').hidden = !(S.filterSending || S.filterBusy);
}

function showFilterError(text) {
  S.filterError = text;
  const box = $('#filter-error');
  box.textContent = text ?? '';
  box.hidden = !text;
  filterInput.classList.toggle('invalid', !!text);
  filterInput.setAttribute('aria-invalid', String(!!text));
}

async function sendFilter(force) {
  clearTimeout(filterTimer);
  filterTimer = 0;
  const text = filterInput.value;
  if (!force && text === S.lastSentFilter) return;
  S.lastSentFilter = text;
  const seq = ++filterSeq;
  S.filterSending++;
  updateBusy();
  try {
    await api('PUT', '/api/options', { view_filter: text }, { quiet: true });
    if (seq === filterSeq) showFilterError(null);
  } catch (e) {
    // The box keeps the text; only the latest answer speaks.
    if (seq === filterSeq) showFilterError(e.message);
  } finally {
    S.filterSending--;
    updateBusy();
  }
}

filterInput.addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => sendFilter(false), FILTER_DELAY);
});
filterInput.addEventListener('keydown', e => {
  if (e.key === 'Enter') sendFilter(true);
  else if (e.key === 'Escape') filterInput.blur();
});

// ---------------------------------------------------------------------------------------------------------------
// Keyboard

document.addEventListener('keydown', e => {
  if (e.target.closest?.('input, select, textarea, [contenteditable]')) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return; // the browser's shortcuts
  const page = Math.max(1, visibleCount() - 1);
  switch (e.key) {
    case 'j': case 'J': case 'ArrowDown': moveCursor(1, e.shiftKey); break;
    case 'k': case 'K': case 'ArrowUp': moveCursor(-1, e.shiftKey); break;
    case 'PageDown': moveCursor(page, e.shiftKey); break;
    case 'PageUp': moveCursor(-page, e.shiftKey); break;
    case 'Home': moveCursor(-Infinity, e.shiftKey); break;
    case 'End': moveCursor(Infinity, e.shiftKey); break;
    case 'Escape': closeDetail(); break;
    case 'm': toggleMark(); break;
    case 'a': resume(); break;
    case 'A': resumeAll(); break;
    case 'x': kill(); break;
    case 'e': startEdit().catch(() => undefined); break;
    case 'Delete': remove(); break;
    case 'd': duplicate(); break;
    default: return;
  }
  e.preventDefault();
});

// ---------------------------------------------------------------------------------------------------------------
// The detail pane

const D = {
  id: null,
  flow: null,
  gone: false,           // the flow left the store
  error: null,           // why the flow could not be fetched
  tab: 'request',
  bodies: new Map(),     // content URL -> {state, bytes, type, error, status}
  modes: { request: 'auto', response: 'auto' },
  raw: { request: false, response: false },
  expanded: new Set(),   // expanded message rows ("tab:index")
  editing: null,         // {side, text, error} while the editor is open
};
const detail = $('#detail');

async function openDetail(id) {
  if (D.id === id) return;
  Object.assign(D, { id, flow: null, gone: false, error: null, editing: null });
  D.bodies.clear();
  D.expanded.clear();
  D.raw = { request: false, response: false };
  send({ type: 'select', id });
  detail.hidden = $('#splitter').hidden = false;
  renderDetail();
  try {
    const f = await api('GET', `/api/flows/${encodeURIComponent(id)}`, undefined, { quiet: true });
    // A flow message that came first is as new or newer.
    if (D.id === id && !D.flow) D.flow = f;
  } catch (e) {
    if (D.id === id) D.error = e.message;
  }
  if (D.id === id) renderDetail();
}

function closeDetail() {
  if (D.id == null) return;
  D.id = D.flow = null;
  D.editing = null;
  updateEditButtons();
  D.bodies.clear();
  send({ type: 'select', id: null });
  detail.hidden = $('#splitter').hidden = true;
}

function onFlow(m) {
  if (m.flow == null) {
    S.selected.delete(m.id);
    if (m.id === D.id) {
      D.gone = true;
      renderDetail();
    }
    updateSelection();
    return;
  }
  if (m.flow.id !== D.id) return;
  D.flow = m.flow;
  D.gone = false;
  if (D.editing && !m.flow.intercepted) D.editing = null; // it went on: nothing left to edit
  if (D.editing) { updateEditButtons(); return; } // keep what is being typed
  renderDetail();
}

$('#detail-close').addEventListener('click', closeDetail);

/** The tabs a flow has, in order: [key, label]. */
function tabsOf(f) {
  const tabs = [];
  if (f.type === 'http') tabs.push(['request', 'Request'], ['response', 'Response']);
  if (f.websocket) tabs.push(['websocket', 'WebSocket']);
  if (f.type === 'tcp' || f.type === 'udp') tabs.push(['messages', 'Messages']);
  if (f.type === 'dns') tabs.push(['dns', 'DNS']);
  tabs.push(['connection', 'Connection'], ['timing', 'Timing'], ['comment', 'Comment']);
  if (f.error) tabs.push(['error', 'Error']);
  return tabs;
}

function renderDetail() {
  if (D.id == null) return;
  const f = D.flow, tabsEl = $('.tabs', detail), bodyEl = $('.detail-body', detail), title = $('.detail-title', detail);
  const scroll = bodyEl.scrollTop; // updates of a live flow must not jump the pane to its top
  tabsEl.replaceChildren();
  bodyEl.replaceChildren();
  title.replaceChildren();
  if (!f) {
    bodyEl.append(el('p', { class: D.error ? 'note error' : 'note', text: D.error ?? (D.gone ? 'This flow was removed.' : 'Loading…') }));
    return;
  }
  const tabs = tabsOf(f);
  if (!tabs.some(([k]) => k === D.tab)) D.tab = tabs[0][0];
  for (const [key, label] of tabs) {
    tabsEl.append(el('button', {
      role: 'tab', 'data-testid': `detail-tab-${key}`, 'aria-selected': String(key === D.tab),
      class: key === 'error' ? 'tab-error' : null, text: label,
      onclick: () => { D.tab = key; renderDetail(); $('.detail-body', detail).scrollTop = 0; },
    }));
  }
  title.append(...flowTitle(f));
  if (D.gone) bodyEl.append(el('p', { class: 'note error', text: 'This flow was removed; it shows as it was last seen.' }));
  const renderers = {
    request: () => renderMessage(f, 'request'), response: () => renderMessage(f, 'response'),
    websocket: () => renderMessages(f.websocket.messages, 'websocket', true, f.websocket),
    messages: () => renderMessages(f.messages ?? [], 'messages', false), dns: () => renderDns(f.dns),
    connection: () => renderConnection(f), timing: () => renderTiming(f),
    comment: () => el('pre', { class: 'comment', text: f.comment || '(no comment)' }),
    error: () => el('div', {}, el('pre', { class: 'error-text', text: f.error.message }),
      el('p', { class: 'note', text: `at ${clock(f.error.timestamp)}` })),
  };
  updateEditButtons();
  if (D.editing) {
    bodyEl.append(renderEditor(f));
    return;
  }
  bodyEl.append(renderers[D.tab]());
  bodyEl.scrollTop = scroll;
}

// ---------------------------------------------------------------------------------------------------------------
// Editing a held flow: its request, or its response once it has one, as HTTP/1 text

function updateEditButtons() {
  const f = D.flow;
  $('#edit-btn').disabled = !(f && f.type === 'http' && f.intercepted && !D.editing);
  $('#revert-btn').disabled = !(f && f.modified && f.intercepted);
}

/** The message as HTTP/1 text: start line, headers, a blank line, the body (null when it is not UTF-8 text). */
function messageText(f, side, body) {
  const m = f[side];
  const start = side === 'request' ? `${m.method} ${m.url} ${m.httpVersion}` : `${m.httpVersion} ${m.statusCode} ${m.reason ?? ''}`.trimEnd();
  return [start, ...m.headers.map(([k, v]) => `${k}: ${v}`), '', body ?? ''].join('\n');
}

async function startEdit() {
  const f = D.flow;
  if (!f || f.type !== 'http' || !f.intercepted) return;
  const side = f.response ? 'response' : 'request';
  let body = '', binary = false;
  if (f[side].contentLength) {
    const res = await api('GET', `/api/flows/${encodeURIComponent(f.id)}/${side}/content`, undefined, { raw: true });
    try {
      body = new TextDecoder('utf-8', { fatal: true }).decode(await res.arrayBuffer());
    } catch { binary = true; }
  }
  D.editing = { side, binary, text: messageText(f, side, binary ? '' : body), error: null };
  renderDetail();
}

/** Reads the editor's text back into the API's fields; throws a sentence when it cannot. */
function parseEdit(side, text, binary) {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const blank = lines.indexOf('');
  const head = blank < 0 ? lines : lines.slice(0, blank);
  const headers = head.slice(1).map((line, i) => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Line ${i + 2} is not a header (name: value).`);
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
  const edit = { headers };
  if (!binary) edit.content = blank < 0 ? '' : lines.slice(blank + 1).join('\n');
  const parts = head[0].trim().split(/\s+/);
  if (side === 'request') {
    if (parts.length !== 3) throw new Error('The first line must be: METHOD URL HTTP/1.1');
    let url;
    try { url = new URL(parts[1]); } catch { throw new Error(`${parts[1]} is not an absolute URL.`); }
    Object.assign(edit, {
      method: parts[0], scheme: url.protocol.replace(':', ''), host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), path: url.pathname + url.search, httpVersion: parts[2],
    });
  } else {
    if (parts.length < 2 || !/^\d{3}$/.test(parts[1])) throw new Error('The first line must be: HTTP/1.1 200 OK');
    Object.assign(edit, { httpVersion: parts[0], statusCode: Number(parts[1]), reason: parts.slice(2).join(' ') });
  }
  return edit;
}

async function saveEdit() {
  const e = D.editing, id = D.id;
  if (!e) return;
  e.text = $('#edit-text').value;
  let edit;
  try { edit = parseEdit(e.side, e.text, e.binary); } catch (err) {
    e.error = err.message;
    renderDetail();
    return;
  }
  try {
    const f = await api('PUT', `/api/flows/${encodeURIComponent(id)}`, { [e.side]: edit }, { quiet: true });
    if (D.id !== id) return;
    D.flow = f;
    D.editing = null;
    D.bodies.clear();
  } catch (err) {
    e.error = err.message;
  }
  renderDetail();
}

async function revertEdit() {
  const id = D.id;
  if (!id) return;
  try {
    const f = await api('POST', `/api/flows/${encodeURIComponent(id)}/revert`);
    if (D.id !== id) return;
    D.flow = f;
    D.editing = null;
    D.bodies.clear();
    renderDetail();
  } catch { /* shown by api() */ }
}

function renderEditor(f) {
  const e = D.editing;
  return el('div', { class: 'editor', 'data-testid': 'editor' },
    el('p', { class: 'note', text: `Editing the ${e.side} of this held flow; it goes on when resumed.` +
      (e.binary ? ' Its body is not text and is kept as it is.' : '') }),
    el('textarea', { id: 'edit-text', 'data-testid': 'edit-text', spellcheck: 'false', rows: '18', text: e.text }),
    e.error ? el('p', { class: 'note error', 'data-testid': 'edit-error', role: 'alert', text: e.error }) : null,
    el('div', { class: 'editor-buttons' },
      el('button', { 'data-testid': 'edit-save', onclick: saveEdit, text: 'save' }),
      el('button', { 'data-testid': 'edit-cancel', onclick: () => { D.editing = null; renderDetail(); }, text: 'cancel' })));
}

$('#edit-btn').addEventListener('click', () => startEdit().catch(() => undefined));
$('#revert-btn').addEventListener('click', revertEdit);

function flowTitle(f) {
  const marker = f.marked ? el('span', { class: 'marker', title: f.marked, text: markerGlyph(f.marked) }) : null;
  const flags = [f.intercepted && 'intercepted', f.live && 'live', f.isReplay && `replay (${f.isReplay})`]
    .filter(Boolean).map(t => el('span', { class: 'flag', text: t }));
  let text;
  if (f.type === 'http') {
    const r = f.response;
    text = `${f.request.method} ${f.request.url}${r ? `  →  ${r.statusCode} ${r.reason ?? ''}` : ''}`;
  } else if (f.type === 'dns') {
    text = `DNS ${f.dns?.request?.opCode ?? ''} ${f.dns?.request?.questions?.map(q => `${q.name} ${q.type}`).join(', ') ?? ''}`;
  } else text = `${f.type.toUpperCase()} ${f.server?.address ?? ''}`;
  return [marker, el('span', { class: 'title-text', text, title: text }), ...flags].filter(Boolean);
}

function kvTable(pairs, cls = 'kv') {
  return el('table', { class: cls }, el('tbody', {}, pairs.map(([k, v]) =>
    el('tr', {}, el('th', { text: k }), el('td', { text: v == null || v === '' ? '—' : String(v) })))));
}

function section(title, ...children) {
  return el('section', { class: 'sec' }, el('h3', { text: title }), ...children);
}

function renderMessage(f, side) {
  const m = f[side], wrap = el('div', { class: 'message-view' });
  if (!m) {
    wrap.append(el('p', { class: 'note', text: f.error ? 'No response: the flow failed (see Error).' : 'No response yet.' }));
    return wrap;
  }
  const firstLine = side === 'request'
    ? `${m.method} ${m.url} ${m.httpVersion ?? ''}` : `${m.httpVersion ?? ''} ${m.statusCode} ${m.reason ?? ''}`;
  wrap.append(el('div', { class: 'first-line', text: firstLine }));
  wrap.append(m.headers?.length ? kvTable(m.headers, 'kv headers') : el('p', { class: 'note', text: 'No headers.' }));
  wrap.append(renderBody(f, side, m));
  if (m.trailers?.length) wrap.append(section('Trailers', kvTable(m.trailers, 'kv headers')));
  return wrap;
}

// --- Bodies

function contentUrl(f, side) {
  return `/api/flows/${encodeURIComponent(f.id)}/${side}/content${D.raw[side] ? '' : '?decode=true'}`;
}

function autoMode(type, bytes) {
  type = (type ?? '').toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (/[/+]json\b/.test(type)) return 'json';
  if (type.includes('x-www-form-urlencoded')) return 'form';
  if (type.startsWith('text/') || /javascript|ecmascript|xml|html|csv|yaml|graphql/.test(type)) return 'text';
  return bytes && looksText(bytes) ? 'text' : 'hex';
}

/** Fetches a body once per URL and state of the message; re-renders the detail when it is there. */
function loadBody(f, side, m) {
  const url = contentUrl(f, side);
  const key = `${url}|${m.contentLength}|${m.timestampEnd}`; // a live message's body changes until it ends
  let b = D.bodies.get(key);
  if (b) return b;
  b = { state: 'loading' };
  D.bodies.set(key, b);
  const id = f.id;
  api('GET', url, undefined, { raw: true, quiet: true })
    .then(async res => Object.assign(b, {
      state: 'ok', bytes: new Uint8Array(await res.arrayBuffer()), type: res.headers.get('Content-Type'),
    }))
    .catch(e => Object.assign(b, { state: 'error', status: e.status, error: e.message }))
    .finally(() => { if (D.id === id && D.bodies.get(key) === b) renderDetail(); });
  return b;
}

function renderBody(f, side, m) {
  const view = el('div', { class: 'body-view', 'data-testid': 'body-view', 'data-side': side });
  if (m.contentLength === 0) {
    view.append(el('p', { class: 'note', text: 'No body.' }));
    return view;
  }
  const declared = m.contentType ?? '';
  const mode = D.modes[side];
  // An image in auto mode needs no bytes here: the <img> loads it itself, with the cookie.
  const imageOnly = mode === 'image' || (mode === 'auto' && autoMode(declared) === 'image');
  const b = imageOnly ? null : loadBody(f, side, m);
  const type = b?.type ?? declared;
  const shown = mode === 'auto' ? autoMode(type, b?.bytes) : mode;

  const select = el('select', {
    'data-testid': 'body-mode', 'aria-label': 'View as',
    onchange: e => { D.modes[side] = e.target.value; renderDetail(); },
  }, ['auto', 'text', 'json', 'hex', 'image', 'form'].map(v =>
    el('option', { value: v, text: v === 'auto' ? `auto (${autoMode(type, b?.bytes)})` : v, selected: v === mode })));
  const size = b?.bytes ? humanSize(b.bytes.length) : humanSize(m.contentLength);
  const encoding = m.contentEncoding ? ` · ${m.contentEncoding}${D.raw[side] ? ' (raw)' : `, decoded`}` : '';
  const rawToggle = D.raw[side] || b?.status === 422
    ? el('button', {
      text: D.raw[side] ? 'show decoded' : 'show raw',
      onclick: () => { D.raw[side] = !D.raw[side]; renderDetail(); },
    }) : null;
  view.append(el('div', { class: 'body-meta' },
    el('span', { text: `${type || 'no content type'} · ${size}${encoding}` }), rawToggle, el('span', { class: 'spacer' }),
    el('label', {}, 'view ', select)));

  if (imageOnly && shown === 'image') {
    const info = el('span', { class: 'note' });
    view.append(el('div', { class: 'image' }, el('img', {
      src: contentUrl(f, side), alt: `${side} body`,
      onload: e => { info.textContent = `${e.target.naturalWidth} × ${e.target.naturalHeight}`; },
      onerror: () => { info.textContent = 'The image could not be shown.'; info.classList.add('error'); },
    })), info);
    return view;
  }
  if (!b || b.state === 'loading') {
    view.append(el('p', { class: 'note', text: 'Loading…' }));
    return view;
  }
  if (b.state === 'error') {
    view.append(el('p', { class: b.status === 404 ? 'note' : 'note error', text: b.status === 404 ? 'No body.' : b.error }));
    return view;
  }
  view.append(...bodyContent(shown, b.bytes, type, contentUrl(f, side)));
  return view;
}

/** The body as the mode shows it, with notes on what was cut or could not be read. */
function bodyContent(mode, bytes, type, url) {
  const note = text => el('p', { class: 'note', text });
  if (!bytes.length) return [note('No body.')];
  if (mode === 'image') return [el('div', { class: 'image' }, el('img', { src: url, alt: 'body' }))];
  if (mode === 'hex') {
    const out = [el('pre', { class: 'hex', text: hexdump(bytes) })];
    if (bytes.length > HEX_CAP) out.push(note(`Showing the first ${humanSize(HEX_CAP)} of ${humanSize(bytes.length)}.`));
    return out;
  }
  if (mode === 'json') {
    if (bytes.length > PARSE_CAP) return [note(`Too large to pretty-print (${humanSize(bytes.length)}); shown as text.`), ...textView(bytes, type)];
    let pretty;
    try { pretty = JSON.stringify(JSON.parse(decodeText(bytes, type)), null, 2); } catch (e) {
      return [note(`Not valid JSON (${e.message}); shown as text.`), ...textView(bytes, type)];
    }
    const out = [el('pre', { class: 'text json', text: pretty.slice(0, TEXT_CAP) })];
    if (pretty.length > TEXT_CAP) out.push(note(`Showing the first ${humanSize(TEXT_CAP)} of ${humanSize(pretty.length)} of formatted JSON.`));
    return out;
  }
  if (mode === 'form') {
    const params = [...new URLSearchParams(decodeText(bytes.subarray(0, TEXT_CAP), type))];
    return params.length ? [kvTable(params, 'kv form')] : [note('No form fields.')];
  }
  return textView(bytes, type);
}

function textView(bytes, type) {
  const out = [el('pre', { class: 'text', text: decodeText(bytes.subarray(0, TEXT_CAP), type) })];
  if (bytes.length > TEXT_CAP) {
    out.push(el('p', { class: 'note', text: `Showing the first ${humanSize(TEXT_CAP)} of ${humanSize(bytes.length)}.` }));
  }
  return out;
}

// --- WebSocket, TCP and UDP messages

function messageFull(m) {
  const cut = m.length > 65536 ? `Cut at 64 KiB of ${humanSize(m.length)}.` : null;
  const binary = m.type === 'binary' || m.text == null;
  return el('div', { class: 'full' },
    el('pre', { class: binary ? 'hex' : 'text', text: binary ? hexdump(base64Bytes(m.base64), Infinity) : m.text }),
    cut && el('p', { class: 'note', text: cut }));
}

function messagePreview(m) {
  if (m.type === 'binary' || m.text == null) {
    const bytes = base64Bytes(m.base64).subarray(0, 24);
    return [...bytes].map(b => b.toString(16).padStart(2, '0')).join(' ') + (m.length > 24 ? ' …' : '');
  }
  const t = m.text.replace(/\s+/g, ' ');
  return t.length > 160 ? `${t.slice(0, 160)}…` : t;
}

function renderMessages(messages, tab, withType, ws) {
  const wrap = el('div', { class: 'messages' });
  if (ws && (ws.closeCode != null || ws.closeReason)) {
    wrap.append(el('p', { class: 'note', text:
      `Closed by the ${ws.closedByClient ? 'client' : 'server'}: ${ws.closeCode ?? ''} ${ws.closeReason ?? ''}` }));
  }
  if (!messages.length) {
    wrap.append(el('p', { class: 'note', text: 'No messages.' }));
    return wrap;
  }
  const tbody = el('tbody');
  const start = Math.max(0, messages.length - WS_MESSAGES_CAP); // the newest matter most
  for (let i = start; i < messages.length; i++) {
    const m = messages[i], key = `${tab}:${i}`, open = D.expanded.has(key);
    tbody.append(el('tr', {
      class: `msg ${m.fromClient ? 'from-client' : 'from-server'}${open ? ' open' : ''}`, 'data-testid': 'message-row',
      onclick: () => { if (!D.expanded.delete(key)) D.expanded.add(key); renderDetail(); },
    },
    el('td', { class: 'dir', title: m.fromClient ? 'client → server' : 'server → client', text: m.fromClient ? '→' : '←' }),
    withType && el('td', { text: m.type }),
    el('td', { class: 'num', text: humanSize(m.length) }),
    el('td', { text: clock(m.timestamp) }),
    el('td', { class: 'preview', text: messagePreview(m) })));
    if (open) tbody.append(el('tr', { class: 'msg-full' }, el('td', { colspan: withType ? 5 : 4 }, messageFull(m))));
  }
  if (start > 0) wrap.append(el('p', { class: 'note', text: `Showing the last ${fmtNum(WS_MESSAGES_CAP)} of ${fmtNum(messages.length)} messages.` }));
  wrap.append(el('table', { class: 'grid' },
    el('thead', {}, el('tr', {}, el('th', {}), withType && el('th', { text: 'type' }), el('th', { text: 'length' }),
      el('th', { text: 'time' }), el('th', { text: 'content (click to expand)' }))), tbody));
  return wrap;
}

// --- DNS, connection, timing

function recordTable(records, columns) {
  if (!records?.length) return el('p', { class: 'note', text: 'None.' });
  return el('table', { class: 'grid' },
    el('thead', {}, el('tr', {}, columns.map(c => el('th', { text: c })))),
    el('tbody', {}, records.map(r => el('tr', {}, columns.map(c => el('td', { text: r[c] ?? '' }))))));
}

function renderDns(dns) {
  const wrap = el('div', { class: 'dns' });
  if (!dns) return el('p', { class: 'note', text: 'No DNS message.' });
  const q = dns.request;
  wrap.append(section('Request', kvTable([['id', q?.id], ['opcode', q?.opCode]]),
    recordTable(q?.questions, ['name', 'type', 'class'])));
  const r = dns.response;
  if (!r) {
    wrap.append(section('Response', el('p', { class: 'note', text: 'No response yet.' })));
    return wrap;
  }
  const cols = ['name', 'type', 'class', 'ttl', 'data'];
  wrap.append(section('Response', kvTable([['code', r.responseCode]])),
    section('Answers', recordTable(r.answers, cols)), section('Authorities', recordTable(r.authorities, cols)),
    section('Additionals', recordTable(r.additionals, cols)));
  return wrap;
}

function tlsRows(c) {
  return [['TLS', c.tlsEstablished ? c.tlsVersion ?? 'yes' : 'no'], ['SNI', c.sni], ['ALPN', c.alpn], ['cipher', c.cipher]];
}

function renderConnection(f) {
  const c = f.client, s = f.server;
  return el('div', {},
    section('Client connection', c
      ? kvTable([['address', c.peername], ['local', c.sockname], ...tlsRows(c)])
      : el('p', { class: 'note', text: 'None.' })),
    section('Server connection', s
      ? kvTable([['address', s.address], ['peer', s.peername], ['local', s.sockname], ...tlsRows(s)])
      : el('p', { class: 'note', text: 'None.' })));
}

function renderTiming(f) {
  const c = f.client ?? {}, s = f.server ?? {}, q = f.request ?? {}, r = f.response ?? {};
  const events = [
    ['Flow created', f.timestampCreated],
    ['Client connection established', c.timestampStart], ['Client TLS handshake done', c.timestampTlsSetup],
    ['Server connection initiated', s.timestampStart], ['Server TCP handshake done', s.timestampTcpSetup],
    ['Server TLS handshake done', s.timestampTlsSetup],
    ['Request started', q.timestampStart], ['Request complete', q.timestampEnd],
    ['Response started', r.timestampStart], ['Response complete', r.timestampEnd],
    ['Client connection closed', c.timestampEnd], ['Server connection closed', s.timestampEnd],
    ['Error', f.error?.timestamp],
  ].filter(([, t]) => t != null).sort((a, b) => a[1] - b[1]);
  if (!events.length) return el('p', { class: 'note', text: 'No timestamps.' });
  const t0 = events[0][1];
  return el('table', { class: 'grid timing' },
    el('thead', {}, el('tr', {}, el('th', { text: 'event' }), el('th', { text: 'time' }), el('th', { text: 'since first' }))),
    el('tbody', {}, events.map(([name, t]) => el('tr', {},
      el('td', { text: name }), el('td', { text: clock(t) }),
      el('td', { class: 'num', text: t === t0 ? '' : `+${humanDuration(t - t0)}` })))));
}

// --- The splitter between list and detail

{
  const splitter = $('#splitter');
  splitter.addEventListener('pointerdown', e => {
    splitter.setPointerCapture(e.pointerId);
    const move = ev => {
      const w = Math.max(280, Math.min(window.innerWidth - 300, window.innerWidth - ev.clientX));
      document.documentElement.style.setProperty('--detail-w', `${w}px`);
    };
    splitter.addEventListener('pointermove', move);
    splitter.addEventListener('pointerup', () => splitter.removeEventListener('pointermove', move), { once: true });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Stats and the stream tester

function onStats(m) {
  for (const [id, text] of [['#stats-session', m.session], ['#stats-streamtester', m.streamtester]]) {
    const e = $(id);
    e.hidden = text == null;
    e.textContent = text ?? '';
  }
}

function showResult(text, error = false) {
  const r = $('#streamtester-result');
  r.textContent = text;
  r.title = text;
  r.classList.toggle('error', error);
}

const resultText = r => r == null ? 'done' : typeof r === 'string' ? r : JSON.stringify(r);

async function streamTester(name, args) {
  showResult(`${name}…`);
  try {
    showResult(resultText(await command(name, args, { quiet: true })));
  } catch (e) {
    showResult(e.message, true);
  }
}

$('#streamtester-start').addEventListener('click', () =>
  streamTester('streamtester.start', $('#streamtester-args').value.trim().split(/\s+/).filter(Boolean)));
$('#streamtester-stop').addEventListener('click', () => streamTester('streamtester.stop', []));
$('#streamtester-args').addEventListener('keydown', e => { if (e.key === 'Enter') $('#streamtester-start').click(); });

// ---------------------------------------------------------------------------------------------------------------
// Start

async function start() {
  layout();
  updateSelection();
  connect();
  // The first page over HTTP paints at once and says early when the token is missing; the socket's pages follow.
  const first = api('GET', `/api/flows?offset=0&limit=${Math.min(MAX_LIMIT, visibleCount() + 2 * OVERSCAN)}`)
    .then(p => { if (!S.page) onPage(p); }).catch(() => undefined);
  const order = $('#order-select');
  try {
    const names = await command('view.order.options');
    const current = order.value;
    order.replaceChildren(...(names ?? []).map(n => el('option', { value: n, text: n })));
    if (current) {
      if (!names?.includes(current)) order.append(el('option', { value: current, text: current }));
      order.value = current;
    }
  } catch { /* shown by api() */ }
  await first;
}

start();
