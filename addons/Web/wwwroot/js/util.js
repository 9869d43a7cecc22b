// Constants, DOM building and formatting shared by every part of the page.

export const ROW_H = 24;              // px; the same as --row-h in app.css
export const OVERSCAN = 10;           // rows asked for above and below the screen
export const MAX_SPACER = 10_000_000; // px; taller elements break browsers, so past this scrollTop maps to rows proportionally
export const MAX_LIMIT = 1000;        // the API's largest page
export const RANGE_CAP = 20_000;      // the largest Shift-click range (its ids are fetched page by page)
export const URL_IDS_CAP = 150;       // ids that fit in a download URL (Kestrel's request line is 8 KiB)
export const TEXT_CAP = 1 << 20;      // body text shown at most
export const PARSE_CAP = 8 << 20;     // JSON parsed at most
export const HEX_CAP = 64 << 10;      // bytes a hex dump shows at most
export const WS_MESSAGES_CAP = 2000;  // WebSocket/TCP messages listed at most
export const FILTER_DELAY = 300;      // ms of typing pause before the filter is sent
export const MARKERS = [':default:', 'a', 'b', 'c', '1', '2', '3', ':grapes:', ':red_circle:', ':star:', ':heart:',
  ':fire:', ':bug:', ':eyes:', ':warning:'];
// The emoji of common marker names; another name shows as the name itself (the server knows all of gemoji's).
const EMOJI = {
  grapes: '🍇', red_circle: '🔴', large_blue_circle: '🔵', blue_circle: '🔵', green_circle: '🟢',
  yellow_circle: '🟡', orange_circle: '🟠', purple_circle: '🟣', star: '⭐', heart: '❤️', fire: '🔥', bug: '🐛',
  eyes: '👀', warning: '⚠️', x: '❌', white_check_mark: '✅', heavy_check_mark: '✔️', rocket: '🚀', tada: '🎉',
  lock: '🔒', '+1': '👍', '-1': '👎', question: '❓', exclamation: '❗', bomb: '💣', zap: '⚡', apple: '🍎',
  cherries: '🍒', lemon: '🍋', banana: '🍌', watermelon: '🍉', strawberry: '🍓', pushpin: '📌', bookmark: '🔖',
};

export const $ = (sel, root = document) => root.querySelector(sel);
export const fmtNum = new Intl.NumberFormat('en-US').format;

/** Builds an element: attrs (text, class, on*, anything else as an attribute) and children (nodes or strings). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.flat().filter(c => c != null && c !== false));
  return e;
}

export function markerGlyph(marker) {
  if (!marker) return '';
  if (marker === ':default:') return '●';
  if (marker.length === 1) return marker;
  const name = marker.replace(/^:|:$/g, '');
  return EMOJI[name] ?? name;
}

export function humanSize(n) {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

export function humanDuration(ms) {
  if (ms == null) return '';
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  return `${(ms / 60_000).toFixed(1)}min`;
}

/** Local HH:MM:SS.mmm of a Unix ms time. */
export function clock(ms) {
  if (ms == null) return '';
  const d = new Date(ms), p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function statusClass(row) {
  if (row.error) return 'st-error';
  const s = row.status;
  return s ? `st-${Math.floor(s / 100)}xx` : '';
}

export function base64Bytes(b64) {
  try { return Uint8Array.from(atob(b64 ?? ''), c => c.charCodeAt(0)); } catch { return new Uint8Array(); }
}

/** A hex dump (offset, 16 bytes in hex, ASCII) of at most `cap` bytes. */
export function hexdump(bytes, cap = HEX_CAP) {
  const n = Math.min(bytes.length, cap), lines = [];
  for (let off = 0; off < n; off += 16) {
    let hex = '', ascii = '';
    for (let j = 0; j < 16; j++) {
      if (off + j < n) {
        const b = bytes[off + j];
        hex += b.toString(16).padStart(2, '0') + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else hex += '   ';
      if (j === 7) hex += ' ';
    }
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex} ${ascii}`);
  }
  return lines.join('\n');
}

/** Whether bytes read as text: no NULs and valid UTF-8 in the first 4 KiB. */
export function looksText(bytes) {
  const head = bytes.subarray(0, 4096);
  if (head.includes(0)) return false;
  // stream: a character cut at the 4 KiB edge is not an error.
  try { new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true }); return true; } catch { return false; }
}

export function decodeText(bytes, contentType) {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType ?? '')?.[1];
  try { return new TextDecoder(charset || 'utf-8').decode(bytes); } catch { return new TextDecoder().decode(bytes); }
}

export function kvTable(pairs, cls = 'kv') {
  return el('table', { class: cls }, el('tbody', {}, pairs.map(([k, v]) =>
    el('tr', {}, el('th', { text: k }), el('td', { text: v == null || v === '' ? '—' : String(v) })))));
}

export function section(title, ...children) {
  return el('section', { class: 'sec' }, el('h3', { text: title }), ...children);
}
