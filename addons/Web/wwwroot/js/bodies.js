// A message's start line, headers and body, with the body viewers (text, JSON, hex, image, form).

import { api } from './api.js';
import { renderDetail } from './detail.js';
import { D } from './state.js';
import { HEX_CAP, PARSE_CAP, TEXT_CAP, decodeText, el, hexdump, humanSize, kvTable, looksText, section } from './util.js';

export function renderMessage(f, side) {
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
