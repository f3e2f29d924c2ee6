// The chart with its title, description, notes on left-out values, source and alt text: what the editor
// preview, dashboards, the embed and the HTML export show.
import { render } from "./render.js";
import { resolveTheme } from "./theme.js";
import { attachTooltip } from "./interact.js";

function drawBody(body, notes, chart, t, width) {
  const config = chart.config || {};
  try {
    // Numbers and dates in the chart's own language, else the site's (both travel with the chart).
    const options = { ...(config.options || {}), locale: config.options?.locale || chart.locale };
    const el = render(chart.chart_type, chart.data, config.mapping, t, width - 24, options);
    body.className = "sa-chart";
    body.removeAttribute("role");
    body.replaceChildren(el);
    notes.replaceChildren();
    const reduced = chart.data?.reduced?.note;
    for (const note of [...(reduced ? [reduced] : []), ...(el.saNotes || [])]) {
      const p = document.createElement("p");
      p.className = "sa-note";
      p.setAttribute("role", "note");
      p.textContent = note;
      if (note === reduced) p.dataset.testid = "reduced-note";
      notes.appendChild(p);
    }
    if (el.saPending) el.saPending.then(() => body.isConnected !== false && drawBody(body, notes, chart, t, width));
  } catch (err) {
    body.className = "sa-chart sa-chart-error";
    body.setAttribute("role", "alert");
    body.textContent = err.message;
  }
}

export function renderFigure(chart, width) {
  const t = resolveTheme(chart.theme);
  const fig = document.createElement("div");
  fig.className = "sa-figure";
  fig.dataset.theme = t.id;
  Object.assign(fig.style, {
    background: t.colors.background,
    color: t.colors.text,
    fontFamily: t.fonts.family,
    fontSize: `${t.fonts.body_size}px`,
    padding: "12px",
    boxSizing: "border-box",
  });
  const config = chart.config || {};
  const alt = config.options?.alt;
  if (chart.title) {
    const h = document.createElement("h2");
    h.className = "sa-title";
    h.textContent = chart.title;
    Object.assign(h.style, { fontSize: `${t.fonts.title_size}px`, margin: "0 0 4px" });
    fig.appendChild(h);
  }
  if (chart.description) {
    const p = document.createElement("p");
    p.className = "sa-description";
    p.textContent = chart.description;
    Object.assign(p.style, { margin: "0 0 8px", color: t.colors.muted });
    fig.appendChild(p);
  }
  const body = document.createElement("div");
  body.dataset.chartType = chart.chart_type;
  const notes = document.createElement("div");
  notes.className = "sa-notes";
  Object.assign(notes.style, { color: t.colors.muted, fontSize: "0.9em" });
  drawBody(body, notes, chart, t, width);
  fig.appendChild(body);
  fig.appendChild(notes);
  if (alt) {
    const p = document.createElement("p");
    p.className = "sa-alt";
    p.textContent = alt;
    // Visually hidden, read by screen readers: the chart's alternative text.
    Object.assign(p.style, { position: "absolute", width: "1px", height: "1px", overflow: "hidden", clip: "rect(0 0 0 0)", whiteSpace: "nowrap", margin: "0" });
    fig.appendChild(p);
  }
  const foot = [];
  if (config.source) foot.push(`Source: ${config.source}`);
  if (config.notes) foot.push(config.notes);
  if (foot.length) {
    const f = document.createElement("p");
    f.className = "sa-footer";
    f.textContent = foot.join(" · ");
    Object.assign(f.style, { margin: "8px 0 0", color: t.colors.muted, fontSize: "0.9em" });
    fig.appendChild(f);
  }
  attachTooltip(fig, t);
  return fig;
}
