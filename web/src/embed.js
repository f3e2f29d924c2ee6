// The embed page /embed/<public_id>: the chart alone, sized to the iframe, telling the parent its height.
// Imports only the renderer, never the editor.
import { renderFigure } from "./charts/render.js";

const root = document.getElementById("chart");
const publicId = decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop() || "");
let chart = null;
let drawnWidth = 0;
let lastHeight = -1;

function postHeight() {
  const height = Math.ceil(root.getBoundingClientRect().height);
  if (height === lastHeight || window.parent === window) return;
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
  root.replaceChildren(renderFigure(chart, width));
  document.body.dataset.state = "ready";
  if (!window.__saDrawnAt) window.__saDrawnAt = performance.now();
  postHeight();
}

async function load() {
  if (!publicId) return showMessage("This embed link has no chart id.");
  try {
    const res = await fetch(`/api/public/charts/${encodeURIComponent(publicId)}`);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      return showMessage(body.detail || `This chart could not be loaded (HTTP ${res.status}).`);
    }
    chart = body;
    document.title = `${chart.title || "Chart"} · Story Analytics`;
    draw();
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
