// The flow list: a scroll container with a spacer as tall as every row, and only the rows on screen in it.

import { openDetail } from './detail.js';
import { filterTimer } from './filter.js';
import { selectAt, updateSelection } from './selection.js';
import { send, ws } from './socket.js';
import { D, S } from './state.js';
import { $, MAX_LIMIT, MAX_SPACER, OVERSCAN, ROW_H, clock, el, fmtNum, humanDuration, humanSize, markerGlyph, statusClass } from './util.js';

export const list = {
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
export function layout() {
  const totalPx = S.total * ROW_H;
  list.viewH = Math.max(0, list.scroller.clientHeight - HEADER_H);
  const spacer = Math.min(totalPx, MAX_SPACER);
  list.body.style.height = `${spacer}px`;
  list.ratio = totalPx > spacer && spacer > list.viewH ? (totalPx - list.viewH) / (spacer - list.viewH) : 1;
  const need = Math.ceil(list.viewH / ROW_H) + 1;
  while (list.rows.length < need) list.rows.push(makeRow());
}

const virtualTop = () => list.scroller.scrollTop * list.ratio;
export const firstVisible = () => Math.floor(virtualTop() / ROW_H);
export const visibleCount = () => Math.max(1, Math.ceil(list.viewH / ROW_H));

/** Scrolls so that row i is on screen. */
export function scrollToIndex(i) {
  const top = i * ROW_H, vt = virtualTop();
  let target = null;
  if (top < vt) target = top;
  else if (top + ROW_H > vt + list.viewH) target = top + ROW_H - list.viewH;
  if (target != null) list.scroller.scrollTop = Math.round(target / list.ratio);
}

/** The row at index i from the pages at hand, or null (a blank placeholder). */
export function rowAt(i) {
  for (const p of [S.page, S.prevPage]) {
    const r = p?.rows[i - p.offset];
    if (r?.index === i) return r;
  }
  return null;
}

export function render() {
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
export function sendWindow() {
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

export function onPage(p) {
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

list.body.addEventListener('click', e => {
  const row = e.target.closest('.row');
  if (!row) return;
  const i = Number(row.dataset.index);
  selectAt(i, e.shiftKey ? 'range' : e.ctrlKey || e.metaKey ? 'toggle' : 'single');
  list.scroller.focus({ preventScroll: true });
});
// Shift-click would otherwise select the page's text.
list.body.addEventListener('mousedown', e => { if (e.shiftKey) e.preventDefault(); });
