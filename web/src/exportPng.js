// PNG export in the browser: redraw the rendered figure (Plot SVGs, titles, legend swatches, table cells)
// into one standalone SVG by their on-screen positions, then rasterize it on a canvas.
const SVG_NS = "http://www.w3.org/2000/svg";

function textNode(text, x, y, style, flat = false) {
  const t = document.createElementNS(SVG_NS, "text");
  t.setAttribute("x", x);
  // Converters that ignore dominant-baseline (the PDF's) get the baseline placed by the font's ascent.
  t.setAttribute("y", flat ? y + parseFloat(style.fontSize) * 0.85 : y);
  if (!flat) t.setAttribute("dominant-baseline", "hanging");
  t.setAttribute("font-family", style.fontFamily);
  t.setAttribute("font-size", style.fontSize);
  t.setAttribute("font-weight", style.fontWeight);
  t.setAttribute("fill", style.color);
  t.textContent = text;
  return t;
}

/**
 * Builds a standalone SVG string for a `.sa-figure` element. With `flat`, each chart's <svg> becomes a
 * translated <g> (for converters such as the PDF export's, which do not draw nested <svg>).
 */
export function figureToSvg(fig, { flat = false } = {}) {
  const box = fig.getBoundingClientRect();
  const width = Math.ceil(box.width);
  const height = Math.ceil(box.height);
  const out = document.createElementNS(SVG_NS, "svg");
  out.setAttribute("xmlns", SVG_NS);
  out.setAttribute("width", width);
  out.setAttribute("height", height);
  out.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const bg = document.createElementNS(SVG_NS, "rect");
  bg.setAttribute("width", "100%");
  bg.setAttribute("height", "100%");
  bg.setAttribute("fill", getComputedStyle(fig).backgroundColor || "#fff");
  out.appendChild(bg);
  const at = (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left - box.left, y: r.top - box.top, w: r.width, h: r.height };
  };
  for (const el of fig.querySelectorAll(".sa-title, .sa-description, .sa-footer, th, td")) {
    const p = at(el);
    const pad = el.tagName === "TD" || el.tagName === "TH" ? 4 : 0;
    out.appendChild(textNode(el.textContent, p.x + (pad ? 8 : 0), p.y + pad, getComputedStyle(el), flat));
  }
  for (const sw of fig.querySelectorAll("[class$='-swatch']")) {
    const swatchSvg = sw.querySelector("svg");
    if (!swatchSvg) continue;
    const p = at(swatchSvg);
    const r = document.createElementNS(SVG_NS, "rect");
    r.setAttribute("x", p.x);
    r.setAttribute("y", p.y);
    r.setAttribute("width", p.w);
    r.setAttribute("height", p.h);
    r.setAttribute("fill", swatchSvg.getAttribute("fill") || getComputedStyle(swatchSvg).fill);
    out.appendChild(r);
    out.appendChild(textNode(sw.textContent, p.x + p.w + 4, p.y + 1, getComputedStyle(sw), flat));
  }
  for (const svg of fig.querySelectorAll(".sa-chart svg")) {
    if (svg.closest("[class$='-swatch']") || svg.parentElement.closest("svg")) continue;
    const p = at(svg);
    const clone = svg.cloneNode(true);
    const cs = getComputedStyle(svg);
    if (flat) {
      const g = document.createElementNS(SVG_NS, "g");
      g.setAttribute("transform", `translate(${p.x},${p.y})`);
      g.setAttribute("font-family", cs.fontFamily);
      g.setAttribute("font-size", cs.fontSize);
      g.setAttribute("fill", cs.color);
      g.setAttribute("color", cs.color);
      for (const child of [...clone.childNodes]) if (child.nodeName !== "style") g.appendChild(child);
      out.appendChild(g);
      continue;
    }
    clone.setAttribute("x", p.x);
    clone.setAttribute("y", p.y);
    clone.setAttribute("width", p.w);
    clone.setAttribute("height", p.h);
    clone.setAttribute("font-family", cs.fontFamily);
    clone.setAttribute("font-size", cs.fontSize);
    clone.setAttribute("color", cs.color);
    out.appendChild(clone);
  }
  return { svg: new XMLSerializer().serializeToString(out), width, height };
}

/** Rasterizes a `.sa-figure` element to a PNG Blob at `scale` times its size. */
export async function figureToPng(fig, scale = 2) {
  const { svg, width, height } = figureToSvg(fig);
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  try {
    const img = await new Promise((resolve, reject) => {
      const i = new Image();
      i.onload = () => resolve(i);
      i.onerror = () => reject(new Error("The chart could not be turned into an image."));
      i.src = url;
    });
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    return await new Promise((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("The PNG could not be made."))), "image/png"),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
