// The session pane: another session file opened read-only into the view (session.open), shown when the Session
// plugin is loaded.

import { command, showMessage } from './api.js';
import { $ } from './util.js';

const pathInput = $('#session-open-path');

async function openSession() {
  const path = pathInput.value.trim();
  if (!path) {
    showMessage('Name a session file on the proxy\'s machine to open.');
    return;
  }
  try {
    showMessage(await command('session.open', [path]), 'info');
  } catch { /* shown by api() */ }
}

/** Shows the pane once the stats say a Session is there. */
export function onSessionStats(text) {
  $('#session-open').hidden = text == null;
}

$('#session-open-btn').addEventListener('click', openSession);
pathInput.addEventListener('keydown', e => { if (e.key === 'Enter') openSession(); });
