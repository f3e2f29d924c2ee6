// Axis layout that keeps tick labels apart at any width: every label upright when they fit, turned
// vertical when they do not, then thinned (every k-th label) and shortened until they do.

const MAX_LABEL_CHARS = 22;

/** Approximate rendered width of a label in px (system-ui at fontSize). */
export function textWidth(text, fontSize = 12) {
  return String(text).length * fontSize * 0.6 + 2;
}

export function shorten(text, max = MAX_LABEL_CHARS) {
  const s = String(text);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Horizontal axis of categories (band or point scale) `available` px wide.
 * Returns Plot scale options: the ticks to show, their rotation and the bottom margin they need.
 */
export function bandAxisX(values, available, format, fontSize = 12) {
  const n = Math.max(1, values.length);
  const labels = values.map((v) => shorten(format(v)));
  const widest = Math.max(8, ...labels.map((l) => textWidth(l, fontSize)));
  const per = available / n;
  const line = fontSize * 1.35;
  const tickFormat = (v) => shorten(format(v));
  if (widest + 8 <= per) return { axis: { ticks: values, tickFormat, tickRotate: 0 }, marginBottom: 30 };
  // Short labels (dates, months, codes) read best upright and thinned; long ones turned vertical.
  const upright = widest <= 80;
  const need = upright ? widest + 12 : line + 3;
  const step = Math.max(1, Math.ceil(need / per));
  const ticks = values.filter((_, i) => i % step === 0);
  return upright
    ? { axis: { ticks, tickFormat, tickRotate: 0 }, marginBottom: 30 }
    : { axis: { ticks, tickFormat, tickRotate: -90 }, marginBottom: Math.ceil(widest + 14) };
}

/** Vertical axis of categories `available` px tall: thinned when bands are thinner than a line. */
export function bandAxisY(values, available, format, fontSize = 12) {
  const per = available / Math.max(1, values.length);
  const step = Math.max(1, Math.ceil((fontSize * 1.25) / per));
  return { ticks: values.filter((_, i) => i % step === 0), tickFormat: (v) => shorten(format(v), 30) };
}

/** Left margin that fits the longest (shortened) category label. */
export function labelMargin(values, format = String, fontSize = 12) {
  const longest = Math.max(0, ...values.map((v) => textWidth(shorten(format(v), 30), fontSize)));
  return Math.min(220, Math.max(40, Math.ceil(longest + 12)));
}

const DAY = 86400000;

/** The regular step of sorted dates as a Plot interval name ("day", "month"...), or null. */
export function dateInterval(dates) {
  const times = [...new Set(dates.filter((d) => d instanceof Date).map((d) => d.getTime()))].sort((a, b) => a - b);
  if (times.length < 2) return null;
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i] - times[i - 1]);
  if (gap >= 365 * DAY) return "year";
  if (gap >= 89 * DAY) return "quarter";
  if (gap >= 28 * DAY) return "month";
  if (gap >= 7 * DAY) return "week";
  if (gap >= DAY) return "day";
  return null;
}
