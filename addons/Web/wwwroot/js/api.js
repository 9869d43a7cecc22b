// The message area and the JSON API of API.md: every call goes through api(), which turns failures into sentences.

import { $ } from './util.js';

export const msgBox = $('#message');
let msgTimer = 0;

/** Shows a sentence in the message area; errors stay until dismissed, notes go after a few seconds. */
export function showMessage(text, kind = 'error', cause = '') {
  clearTimeout(msgTimer);
  $('.text', msgBox).textContent = text;
  msgBox.dataset.kind = kind;
  msgBox.dataset.cause = cause; // 'connection': gone once the socket is back
  msgBox.hidden = false;
  if (kind !== 'error') msgTimer = setTimeout(() => { msgBox.hidden = true; }, 6000);
}
$('.close', msgBox).addEventListener('click', () => { msgBox.hidden = true; });

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

const TOKEN_MESSAGE = 'Not authorized: the token is missing or has expired. Open the URL the proxy printed at start ' +
  '(Web interface at http://…/?token=…) again.';

/**
 * Calls the API. Throws ApiError with the server's sentence; shows it in the message area unless `quiet` (the caller
 * shows it in place), though a missing token or an unreachable server is always shown there.
 */
export async function api(method, url, body, { raw = false, quiet = false } = {}) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (method !== 'GET') init.headers['X-Requested-With'] = 'addons-web';
  if (body instanceof Blob) {
    init.body = body;
    init.headers['Content-Type'] = 'application/octet-stream';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let res = null, error = null;
  try {
    res = await fetch(url, init);
  } catch (e) {
    error = new ApiError(0, `The server did not answer (${e.message}).`);
  }
  if (res?.ok) {
    if (raw) return res;
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }
  if (res) {
    let sentence = `${method} ${url.split('?')[0]}: ${res.status} ${res.statusText}`.trim();
    try {
      const j = await res.json();
      if (typeof j?.error === 'string') sentence = j.error;
    } catch { /* not JSON: keep the status line */ }
    error = new ApiError(res.status, res.status === 401 ? TOKEN_MESSAGE : sentence);
  }
  if (error.status === 401 || error.status === 0) showMessage(error.message, 'error', 'connection');
  else if (!quiet) showMessage(error.message);
  throw error;
}

/** Runs a command with text arguments; resolves to its result. */
export const command = (name, args = [], opts) =>
  api('POST', `/api/commands/${encodeURIComponent(name)}`, { arguments: args.map(String) }, opts).then(r => r?.result);

/** Runs a command from a button or key: errors are shown by api(), so they need no handler here. */
export const run = (name, args, opts) => command(name, args, opts).catch(() => undefined);
