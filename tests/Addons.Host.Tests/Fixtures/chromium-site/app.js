fetch('/data.json').then(r => r.json()).then(d => { document.title = d.name; });
fetch('/submit', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ a: 1 }) }).catch(() => {});
