// Session and stream tester stats from the socket, the stream tester's start and stop, and its live chart.

import { command } from './api.js';
import { addProgress, drawChart } from './chart.js';
import { onSessionStats } from './session.js';
import { $ } from './util.js';

export function onStats(m) {
  for (const [id, text] of [['#stats-session', m.session], ['#stats-streamtester', m.streamtester]]) {
    const e = $(id);
    e.hidden = text == null;
    e.textContent = text ?? '';
  }
  onSessionStats(m.session);
  const pane = $('#streamtester-chart');
  if (addProgress(m.streamtesterProgress)) {
    pane.hidden = false;
    drawChart($('canvas', pane), $('.legend', pane));
  }
}

function showResult(text, error = false) {
  const r = $('#streamtester-result');
  r.textContent = text;
  r.title = text;
  r.classList.toggle('error', error);
}

const resultText = r => r == null ? 'done' : typeof r === 'string' ? r : JSON.stringify(r);

async function streamTester(name, args) {
  showResult(`${name}…`);
  try {
    showResult(resultText(await command(name, args, { quiet: true })));
  } catch (e) {
    showResult(e.message, true);
  }
}

$('#streamtester-start').addEventListener('click', () =>
  streamTester('streamtester.start', $('#streamtester-args').value.trim().split(/\s+/).filter(Boolean)));
$('#streamtester-stop').addEventListener('click', () => streamTester('streamtester.stop', []));
$('#streamtester-args').addEventListener('keydown', e => { if (e.key === 'Enter') $('#streamtester-start').click(); });
