// The Web plugin's page: a virtualized flow list fed by the /updates WebSocket, a detail pane for one flow, and the
// toolbar's actions, over the JSON API of API.md. No framework and no build step: DOM is built with el(), always
// through textContent (flow data is never parsed as HTML), and the list reuses one small pool of row elements.
// The modules under js/ register their own event handlers when imported; this one starts the page.

import { api, command } from './js/api.js';
import { layout, onPage, visibleCount } from './js/list.js';
import { updateSelection } from './js/selection.js';
import { connect } from './js/socket.js';
import { S } from './js/state.js';
import { $, MAX_LIMIT, OVERSCAN, el } from './js/util.js';
import './js/actions.js';
import './js/filter.js';
import './js/keys.js';
import './js/edit.js';
import './js/streamtester.js';

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
