// The detail pane for one flow: its tabs, kept current by the socket's flow messages.

import { api } from './api.js';
import { renderMessage } from './bodies.js';
import { renderEditor, updateEditButtons } from './edit.js';
import { renderConnection, renderDns, renderMessages, renderTiming } from './records.js';
import { updateSelection } from './selection.js';
import { send } from './socket.js';
import { D, S } from './state.js';
import { $, clock, el, markerGlyph } from './util.js';

const detail = $('#detail');

export async function openDetail(id) {
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

export function closeDetail() {
  if (D.id == null) return;
  D.id = D.flow = null;
  D.editing = null;
  updateEditButtons();
  D.bodies.clear();
  send({ type: 'select', id: null });
  detail.hidden = $('#splitter').hidden = true;
}

export function onFlow(m) {
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

export function renderDetail() {
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
