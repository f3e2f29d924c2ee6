// Exports drawn in the browser: the rendered figure (Plot SVGs, titles, legend swatches, notes, table cells)
// redrawn into one standalone SVG at the positions the browser laid them out, then rasterized for the PNG
// (and the slide), or kept as vectors for the PDF.
const SVG_NS = "http://www.w3.org/2000/svg";
// Text of the figure outside the charts' SVGs; `header` parts are left out of the slide's picture, which
// shows them as editable text boxes instead.
const HEADER = ".sa-title, .sa-description, .sa-footer";
const BODY_TEXT = ".sa-note, th, td";

const ascentCache = new Map();

/** The share of a text's line box above its baseline, for the font the browser used. */
function ascentRatio(style) {
  const font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  if (!ascentCache.has(font)) {
    const ctx = document.createElement("canvas").getContext("2d");
    ctx.font = font;
    const m = ctx.measureText("Hg");
    const up = m.fontBoundingBoxAscent ?? m.actualBoundingBoxAscent;
    const down = m.fontBoundingBoxDescent ?? m.actualBoundingBoxDescent;
    ascentCache.set(font, up + down > 0 ? up / (up + down) : 0.8);
  }
  return ascentCache.get(font);
}

/** Each visual line of an HTML element's text: its words, left edge and baseline, in client pixels. */
function htmlLines(el) {
  const range = document.createRange();
  const ratio = ascentRatio(getComputedStyle(el));
  const lines = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.data.trim()) continue;
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    // One line (the usual case): one measurement. Wrapped: each word, grouped by the line it sits on.
    const pieces = rects.length === 1 ? [[node.data.trim(), rects[0]]] : [...node.data.matchAll(/\S+/g)].map((m) => {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      return [m[0], range.getBoundingClientRect()];
    });
    for (const [text, r] of pieces) {
      const line = lines.find((l) => Math.abs(l.top - r.top) < r.height / 2);
      if (line) line.words.push(text);
      else lines.push({ top: r.top, x: r.left, y: r.top + r.height * ratio, words: [text] });
    }
  }
  return lines.map((l) => ({ text: l.words.join(" ").replace(/\s+/g, " "), x: l.x, y: l.y }));
}

/** Each line of an SVG <text> (its <tspan>s): the anchor point and angle the browser drew it at. */
function svgLines(t) {
  const parts = t.querySelector("tspan") ? [...t.querySelectorAll("tspan")] : [t];
  const ctm = t.getScreenCTM();
  if (!ctm) return [];
  const anchor = getComputedStyle(t).textAnchor || "start";
  const out = [];
  for (const part of parts) {
    const n = part.getNumberOfChars();
    if (!n || !part.textContent.trim()) continue;
    const s = new DOMPoint(part.getStartPositionOfChar(0).x, part.getStartPositionOfChar(0).y).matrixTransform(ctm);
    const e = new DOMPoint(part.getEndPositionOfChar(n - 1).x, part.getEndPositionOfChar(n - 1).y).matrixTransform(ctm);
    const at = anchor === "end" ? e : anchor === "middle" ? { x: (s.x + e.x) / 2, y: (s.y + e.y) / 2 } : s;
    const angle = (Math.atan2(e.y - s.y, e.x - s.x) * 180) / Math.PI;
    out.push({ text: part.textContent, x: at.x, y: at.y, anchor, angle: Math.abs(angle) < 0.5 ? 0 : angle });
  }
  return out;
}

function textNode(line, style, origin) {
  const t = document.createElementNS(SVG_NS, "text");
  const x = +(line.x - origin.x).toFixed(2);
  const y = +(line.y - origin.y).toFixed(2);
  t.setAttribute("x", x);
  t.setAttribute("y", y);
  if (line.anchor && line.anchor !== "start") t.setAttribute("text-anchor", line.anchor);
  if (line.angle) t.setAttribute("transform", `rotate(${line.angle.toFixed(2)} ${x} ${y})`);
  t.setAttribute("font-family", style.fontFamily);
  // In user units: the PDF converter reads "13px" as 13 x 0.75 of its units, smaller than on screen.
  t.setAttribute("font-size", parseFloat(style.fontSize));
  t.setAttribute("font-weight", style.fontWeight);
  t.setAttribute("fill", line.fill || style.color);
  if (+style.opacity < 1) t.setAttribute("opacity", style.opacity);
  t.textContent = line.text;
  return t;
}

function region(fig, header) {
  const box = fig.getBoundingClientRect();
  if (header) return { x: box.left, y: box.top, width: box.width, height: box.height };
  const parts = [...fig.querySelectorAll(".sa-chart, .sa-notes")].map((el) => el.getBoundingClientRect()).filter((r) => r.height > 0);
  if (!parts.length) return { x: box.left, y: box.top, width: box.width, height: box.height };
  const top = Math.max(box.top, Math.min(...parts.map((r) => r.top)) - 8);
  const bottom = Math.min(box.bottom, Math.max(...parts.map((r) => r.bottom)) + 8);
  return { x: box.left, y: top, width: box.width, height: bottom - top };
}

/**
 * Builds a standalone SVG string for a `.sa-figure` element, every text at the position the browser drew
 * it. With `flat`, each chart's <svg> becomes a translated <g> and its texts absolute ones (for converters
 * such as the PDF export's, which draw neither nested <svg> nor CSS). With `header: false`, the title,
 * description and source are left out and the picture is cropped to the chart (the slide's picture).
 */
export function figureToSvg(fig, { flat = false, header = true } = {}) {
  const origin = region(fig, header);
  const width = Math.ceil(origin.width);
  const height = Math.ceil(origin.height);
  const out = document.createElementNS(SVG_NS, "svg");
  out.setAttribute("xmlns", SVG_NS);
  out.setAttribute("width", width);
  out.setAttribute("height", height);
  out.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const bg = document.createElementNS(SVG_NS, "rect");
  bg.setAttribute("width", width); // not "100%": the PDF converter reads that as 100 units
  bg.setAttribute("height", height);
  bg.setAttribute("fill", getComputedStyle(fig).backgroundColor || "#fff");
  out.appendChild(bg);
  const at = (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left - origin.x, y: r.top - origin.y, w: r.width, h: r.height };
  };
  for (const cell of fig.querySelectorAll("th, td")) {
    // A table's rules, as lines (the PDF keeps them sharp).
    const cs = getComputedStyle(cell);
    const w = parseFloat(cs.borderBottomWidth);
    if (!w || cs.borderBottomStyle === "none") continue;
    const p = at(cell);
    const rule = document.createElementNS(SVG_NS, "line");
    const y = +(p.y + p.h - w / 2).toFixed(2);
    for (const [k, v] of [["x1", p.x], ["x2", p.x + p.w], ["y1", y], ["y2", y], ["stroke-width", w]]) rule.setAttribute(k, v);
    rule.setAttribute("stroke", cs.borderBottomColor);
    out.appendChild(rule);
  }
  const texts = header ? `${HEADER}, ${BODY_TEXT}` : BODY_TEXT;
  for (const el of fig.querySelectorAll(texts)) {
    const style = getComputedStyle(el);
    for (const line of htmlLines(el)) out.appendChild(textNode(line, style, origin));
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
    const style = getComputedStyle(sw);
    for (const line of htmlLines(sw)) out.appendChild(textNode(line, style, origin));
  }
  for (const svg of fig.querySelectorAll(".sa-chart svg")) {
    if (svg.closest("[class$='-swatch']") || svg.parentElement.closest("svg")) continue;
    const p = at(svg);
    const clone = svg.cloneNode(true);
    const cs = getComputedStyle(svg);
    if (flat) {
      const g = document.createElementNS(SVG_NS, "g");
      g.setAttribute("transform", `translate(${p.x},${p.y})`);
      g.setAttribute("fill", cs.color);
      g.setAttribute("color", cs.color);
      for (const t of clone.querySelectorAll("text")) t.remove();
      // SVG reads a missing coordinate as 0; the PDF converter needs it written.
      for (const l of clone.querySelectorAll("line")) for (const a of ["x1", "y1", "x2", "y2"]) if (!l.hasAttribute(a)) l.setAttribute(a, "0");
      for (const child of [...clone.childNodes]) if (child.nodeName !== "style") g.appendChild(child);
      out.appendChild(g);
      for (const t of svg.querySelectorAll("text")) {
        const style = getComputedStyle(t);
        if (style.display === "none" || style.visibility === "hidden") continue;
        for (const line of svgLines(t)) out.appendChild(textNode({ ...line, fill: style.fill }, style, origin));
      }
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

/** Rasterizes a `.sa-figure` element to a PNG Blob at `scale` times its size (`header` as figureToSvg). */
export async function figureToPng(fig, scale = 2, { header = true } = {}) {
  const { svg, width, height } = figureToSvg(fig, { header });
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
