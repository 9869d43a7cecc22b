// The toolbar's actions on the selection and the view: marks, duplicate, delete, clear, intercept, replay, order,
// download and upload.

import { api, command, run, showMessage } from './api.js';
import { closeDetail, openDetail } from './detail.js';
import { selector, updateSelection } from './selection.js';
import { D, S } from './state.js';
import { $, MARKERS, URL_IDS_CAP, el, fmtNum, markerGlyph } from './util.js';

const markerSelect = $('#marker-select');
for (const m of MARKERS) markerSelect.append(el('option', { value: m, text: `${markerGlyph(m)}  ${m}` }));

function mark(marker) {
  if (S.selected.size) run('flow.mark', [selector(), marker]);
}

/** m: unmark when every selected row at hand has the chosen marker, else mark them with it. */
export function toggleMark() {
  if (!S.selected.size) return;
  const marker = markerSelect.value;
  const known = [...S.selected].map(id => findRow(id)).filter(Boolean);
  mark(known.length && known.every(r => r.marked === marker) ? '' : marker);
}

function findRow(id) {
  return S.page?.rows.find(r => r.id === id) ?? S.prevPage?.rows.find(r => r.id === id) ?? null;
}

export async function duplicate() {
  if (!S.selected.size) return;
  const copies = await run('view.flows.duplicate', [selector()]);
  if (Array.isArray(copies) && copies.length) {
    S.selected = new Set(copies.map(f => f.id));
    S.anchor = S.cursor = null;
    openDetail(copies[0].id);
    updateSelection();
  }
}

export async function remove() {
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
export const resume = () => { if (S.selected.size) run('flow.resume', [selector()]); };
export const resumeAll = () => run('flow.resume', ['@all']);
export const kill = () => { if (S.selected.size) run('flow.kill', [selector()]); };

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

// Replay: mitmproxy's client replay sends copies of the requests; the copies come back as new flows.
export async function replay() {
  if (!S.selected.size) return;
  const n = S.selected.size;
  const answer = await run('replay.client', [selector()]);
  if (answer !== undefined) showMessage(typeof answer === 'string' ? answer : `Replaying ${fmtNum(n)} flow${n > 1 ? 's' : ''}.`, 'info');
}

$('#replay-btn').addEventListener('click', replay);
api('GET', '/api/commands', undefined, { quiet: true }).then(commands => {
  // A host without client replay (an embedding that leaves it out) has no button for it.
  $('#replay-group').hidden = !(Array.isArray(commands) && commands.some(c => c.name === 'replay.client'));
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

export function updateDownload() {
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
