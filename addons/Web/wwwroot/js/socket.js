// The /updates WebSocket: reconnects with backoff, tells the server the window on screen, dispatches messages.

import { api, msgBox } from './api.js';
import { onFlow } from './detail.js';
import { updateBusy } from './filter.js';
import { onPage, sendWindow } from './list.js';
import { D, S } from './state.js';
import { onStats } from './streamtester.js';
import { $ } from './util.js';

export const ws = { sock: null, delay: 500, timer: 0, sent: null };
const wsState = $('#ws-state');

function setWsState(state, text) {
  wsState.dataset.state = state;
  wsState.textContent = text;
}

export function send(message) {
  if (ws.sock?.readyState === WebSocket.OPEN) ws.sock.send(JSON.stringify(message));
}

export function connect() {
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
