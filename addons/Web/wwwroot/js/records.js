// WebSocket, TCP and UDP messages, DNS questions and answers, connection and timing tables.

import { renderDetail } from './detail.js';
import { D } from './state.js';
import { WS_MESSAGES_CAP, base64Bytes, clock, el, fmtNum, hexdump, humanDuration, humanSize, kvTable, section } from './util.js';

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

export function renderMessages(messages, tab, withType, websocket) {
  const wrap = el('div', { class: 'messages' });
  if (websocket && (websocket.closeCode != null || websocket.closeReason)) {
    wrap.append(el('p', { class: 'note', text:
      `Closed by the ${websocket.closedByClient ? 'client' : 'server'}: ${websocket.closeCode ?? ''} ${websocket.closeReason ?? ''}` }));
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

export function renderDns(dns) {
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

export function renderConnection(f) {
  const c = f.client, s = f.server;
  return el('div', {},
    section('Client connection', c
      ? kvTable([['address', c.peername], ['local', c.sockname], ...tlsRows(c)])
      : el('p', { class: 'note', text: 'None.' })),
    section('Server connection', s
      ? kvTable([['address', s.address], ['peer', s.peername], ['local', s.sockname], ...tlsRows(s)])
      : el('p', { class: 'note', text: 'None.' })));
}

export function renderTiming(f) {
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
