// Selection: single, toggled and ranged, by mouse and keyboard; ranges past the rows at hand are fetched.

import { updateDownload } from './actions.js';
import { api, showMessage } from './api.js';
import { closeDetail, openDetail } from './detail.js';
import { firstVisible, list, render, rowAt, scrollToIndex } from './list.js';
import { D, S } from './state.js';
import { $, MAX_LIMIT, RANGE_CAP, fmtNum } from './util.js';

export function updateSelection() {
  for (const r of list.rows) r.index = -1; // force a refill of selection and cursor state
  render();
  const n = S.selected.size;
  $('#selection-count').textContent = n > 1 ? `${fmtNum(n)} selected` : '';
  for (const id of ['#mark-btn', '#unmark-btn', '#duplicate-btn', '#delete-btn', '#replay-btn']) $(id).disabled = n === 0;
  updateDownload();
}

/** Selects row i: 'single' replaces the selection, 'toggle' flips one row, 'range' selects anchor..i. */
export function selectAt(i, mode = 'single') {
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

export function moveCursor(delta, extend) {
  if (!S.total) return;
  const from = S.cursor ?? (delta > 0 ? firstVisible() - 1 : firstVisible() + 1);
  const to = Math.max(0, Math.min(S.total - 1, from + delta));
  if (extend && S.anchor == null) S.anchor = Math.max(0, Math.min(S.total - 1, from));
  selectAt(to, extend ? 'range' : 'single');
  scrollToIndex(to);
}

export const selector = () => `@${[...S.selected].join(',')}`;
