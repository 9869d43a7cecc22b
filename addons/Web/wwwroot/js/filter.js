// The filter box: sent after a typing pause, its parse error shown in place, busy while the server filters.

import { api } from './api.js';
import { S } from './state.js';
import { $, FILTER_DELAY } from './util.js';

const filterInput = $('#filter-input');
export let filterTimer = 0, filterSeq = 0;

export function updateBusy() {
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
