// Keyboard shortcuts, as mitmweb's where it has them.

import { duplicate, kill, remove, replay, resume, resumeAll, toggleMark } from './actions.js';
import { closeDetail } from './detail.js';
import { startEdit } from './edit.js';
import { visibleCount } from './list.js';
import { moveCursor } from './selection.js';

document.addEventListener('keydown', e => {
  if (e.target.closest?.('input, select, textarea, [contenteditable]')) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return; // the browser's shortcuts
  const page = Math.max(1, visibleCount() - 1);
  switch (e.key) {
    case 'j': case 'J': case 'ArrowDown': moveCursor(1, e.shiftKey); break;
    case 'k': case 'K': case 'ArrowUp': moveCursor(-1, e.shiftKey); break;
    case 'PageDown': moveCursor(page, e.shiftKey); break;
    case 'PageUp': moveCursor(-page, e.shiftKey); break;
    case 'Home': moveCursor(-Infinity, e.shiftKey); break;
    case 'End': moveCursor(Infinity, e.shiftKey); break;
    case 'Escape': closeDetail(); break;
    case 'm': toggleMark(); break;
    case 'a': resume(); break;
    case 'A': resumeAll(); break;
    case 'x': kill(); break;
    case 'e': startEdit().catch(() => undefined); break;
    case 'Delete': remove(); break;
    case 'd': duplicate(); break;
    case 'r': replay(); break;
    default: return;
  }
  e.preventDefault();
});
