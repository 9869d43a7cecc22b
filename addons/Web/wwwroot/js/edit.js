// Editing a held flow: its request, or its response once it has one, as HTTP/1 text.

import { api } from './api.js';
import { renderDetail } from './detail.js';
import { D } from './state.js';
import { $, el } from './util.js';

export function updateEditButtons() {
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

export async function startEdit() {
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

export function renderEditor(f) {
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
