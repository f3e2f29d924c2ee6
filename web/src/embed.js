// The embed page /embed/<public_id>: the chart alone, sized to the iframe, telling the parent its height.
// Imports only the renderer, never the editor. A standalone HTML export inlines this bundle and the chart
// (see inlinePayload.js), and then nothing is fetched. A page published to the CDN names its static
// payload on #chart (data-payload, data-kind: storyanalytics/publish/layout.py); the app's own page
// fetches /api/public/... instead.
import { renderFigure } from "./charts/render.js";
import { readInlinePayload } from "./inlinePayload.js";

const root = document.getElementById("chart");
const inline = readInlinePayload();
const publicId = inline?.payload
  ? String(inline.payload.public_id || "")
  : decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop() || "");
const staticPayload = root.dataset.payload || "";
const isDashboard =
  root.dataset.kind === "dashboard" || new URLSearchParams(location.search).get("kind") === "dashboard";
let chart = null;
let drawnWidth = 0;
let lastHeight = -1;

// Measuring forces a layout: only when framed, and only from the ResizeObserver (after the browser's
// own layout) or on load, never straight after drawing, which would lengthen that task.
function postHeight() {
  if (window.parent === window) return;
  const height = Math.ceil(root.getBoundingClientRect().height);
  if (height === lastHeight) return;
  lastHeight = height;
  window.parent.postMessage({ type: "story-analytics:height", publicId, height }, "*");
}

function showMessage(text) {
  root.replaceChildren();
  const p = document.createElement("p");
  p.className = "sa-embed-message";
  p.setAttribute("role", "alert");
  p.textContent = text;
  root.appendChild(p);
  document.body.dataset.state = "error";
  postHeight();
}

function draw() {
  if (!chart) return;
  const width = root.clientWidth || window.innerWidth;
  if (width === drawnWidth) return;
  drawnWidth = width;
  root.replaceChildren(isDashboard ? renderDashboard(chart, width) : renderFigure(chart, width));
  document.body.dataset.state = "ready";
  if (!window.__saDrawnAt) window.__saDrawnAt = performance.now();
}

/** A published dashboard: its charts in a 12-column grid, one column when the frame is narrow. */
function renderDashboard(dash, width) {
  const wrap = document.createElement("div");
  const h = document.createElement("h1");
  h.textContent = dash.title || "";
  h.style.cssText = "font: 600 20px system-ui, sans-serif; margin: 8px 12px;";
  wrap.appendChild(h);
  const grid = document.createElement("div");
  const narrow = width < 640;
  grid.style.cssText = `display:grid;grid-template-columns:repeat(${narrow ? 1 : 12},1fr);gap:8px;`;
  const charts = dash.charts || {};
  const list = Object.values(charts);
  for (const item of dash.layout || []) {
    const c = charts[item.chart_id] || list.find((x) => x.id === item.chart_id || x.chart_id === item.chart_id);
    if (!c) continue;
    const span = narrow ? 1 : Math.min(12, Math.max(1, item.width || 6));
    const cell = document.createElement("div");
    cell.style.gridColumn = `span ${span}`;
    cell.appendChild(renderFigure(c, narrow ? width : (width * span) / 12 - 8));
    grid.appendChild(cell);
  }
  wrap.appendChild(grid);
  return wrap;
}

function show(body) {
  chart = body;
  document.title = `${chart.title || "Chart"} · Story Analytics`;
  draw();
}

async function load() {
  if (inline) return inline.error ? showMessage(inline.error) : show(inline.payload);
  if (!publicId) return showMessage("This embed link has no chart id.");
  const kind = isDashboard ? "dashboards" : "charts";
  try {
    const res = await fetch(staticPayload || `/api/public/${kind}/${encodeURIComponent(publicId)}`);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      return showMessage(body.detail || `This chart could not be loaded (HTTP ${res.status}).`);
    }
    show(body);
  } catch {
    showMessage("This chart could not be loaded: the server did not answer.");
  }
}

let timer = 0;
new ResizeObserver(() => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    draw();
    postHeight();
  }, 50);
}).observe(root);
window.addEventListener("load", postHeight);
load();
