// The stream tester's live chart: flows offered and persisted per second, and the p99 latency from publication to
// commit, drawn on a canvas from the seconds the socket's stats messages bring (each second comes once).

const MAX_SECONDS = 600; // the stream tester keeps at most the last 600 seconds for a chart too
const COLORS = { offered: '#4a5568', persisted: '#90cdf4', latency: '#dd6b20' };

export const chart = {
  startedAt: null,
  seconds: [],  // {second, offered, persisted, latencyP50, latencyP99, queueDepth}
};

/** Takes a progress message in; a new stream (another startedAt) starts the chart again. */
export function addProgress(p) {
  if (!p || p.error || p.state === 'idle') return false;
  if (p.startedAt !== chart.startedAt) {
    chart.startedAt = p.startedAt;
    chart.seconds = [];
  }
  const last = chart.seconds.at(-1)?.second ?? 0;
  for (const s of p.seconds ?? []) if (s.second > last) chart.seconds.push(s);
  if (chart.seconds.length > MAX_SECONDS) chart.seconds.splice(0, chart.seconds.length - MAX_SECONDS);
  return true;
}

/** Draws the chart: rates and latency each on their own scale, the latest second's values in the legend. */
export function drawChart(canvas, legend) {
  const dpr = window.devicePixelRatio || 1, w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const s = chart.seconds;
  canvas.dataset.seconds = String(s.length);
  if (!s.length) {
    legend.textContent = 'waiting for the first second…';
    return;
  }
  const maxRate = Math.max(1, ...s.map(x => Math.max(x.offered, x.persisted)));
  const maxLatency = Math.max(1, ...s.map(x => x.latencyP99));
  const step = w / Math.max(s.length, 20); // a short stream does not stretch across the whole width
  const y = (value, max) => h - 1 - (value / max) * (h - 4);
  // Persisted per second as columns, offered per second and the p99 latency as lines over them.
  g.fillStyle = COLORS.persisted;
  s.forEach((x, i) => {
    const top = y(x.persisted, maxRate);
    g.fillRect(i * step + 1, top, Math.max(1, step - 2), h - 1 - top);
  });
  const line = (key, max, color) => {
    g.strokeStyle = g.fillStyle = color;
    g.lineWidth = 1.5;
    g.beginPath();
    s.forEach((x, i) => {
      const px = (i + 0.5) * step, py = y(x[key], max);
      if (i === 0) g.moveTo(px, py); else g.lineTo(px, py);
    });
    g.stroke();
    if (s.length < 60) s.forEach((x, i) => g.fillRect((i + 0.5) * step - 1.5, y(x[key], max) - 1.5, 3, 3));
  };
  line('offered', maxRate, COLORS.offered);
  line('latencyP99', maxLatency, COLORS.latency);
  const x = s.at(-1), n = new Intl.NumberFormat('en-US');
  legend.title = legend.textContent = `second ${x.second}: offered ${n.format(x.offered)}/s, persisted ${n.format(x.persisted)}/s, ` +
    `p99 ${x.latencyP99} ms, queue ${n.format(x.queueDepth)} (peak ${n.format(maxRate)}/s, ${maxLatency} ms)`;
}
