// The one chart renderer, shared by the editor preview, dashboards, the embed page and the HTML export.
// render(chartType, data, mapping, theme, width, options) -> an element (a Plot <svg>/<figure>, or a <div>).
// Each family of types lives in its own module; this one builds the shared context and dispatches.
import { plot, dot, rect, barY, text } from "@observablehq/plot";
import { CHART_TYPE_IDS, guessMapping } from "./types.js";
import { resolveTheme } from "./theme.js";
import { coerce, columnType, uniq } from "./data.js";
import { categoryLabel, chartLocale, dateLabel, datePrecision, numberFormatter, timeTickFormat } from "./format.js";
import { dateInterval } from "./axes.js";
import { bars } from "./bars.js";
import { lines, slope } from "./lines.js";
import { dotPlot, heatmap, histogram, rangeArrow, scatter } from "./points.js";
import { pie, waffle } from "./parts.js";
import { MAP_TYPES, atlasIfLoaded, atlasKind, loadAtlas, map } from "./geo.js";
import { renderTable } from "./table.js";
import { decorate } from "./interact.js";

export { coerce };

const FAMILIES = {
  bar: bars,
  column: bars,
  "stacked-bar": bars,
  "stacked-column": bars,
  "grouped-bar": bars,
  "grouped-column": bars,
  "stacked-bar-100": bars,
  line: lines,
  area: lines,
  "multi-line": lines,
  "stacked-area": lines,
  "small-multiples": lines,
  slope,
  scatter,
  bubble: scatter,
  "dot-plot": dotPlot,
  "range-plot": rangeArrow,
  "arrow-plot": rangeArrow,
  histogram,
  heatmap,
  pie,
  donut: pie,
  waffle,
};
// Types whose x axis holds the data's categories or time, where annotations and highlighted ranges go.
const X_TYPES = new Set(["column", "stacked-column", "line", "area", "multi-line", "stacked-area", "scatter", "bubble"]);

function resolveMapping(columns, mapping) {
  const names = new Set(columns.map((c) => c.name));
  const guess = guessMapping(columns);
  const m = {};
  for (const key of ["x", "y", "y2", "color", "size", "facet"]) {
    const v = mapping?.[key];
    m[key] = v && names.has(v) ? v : null;
  }
  if (!m.x) m.x = guess.x;
  if (!m.y) m.y = guess.y;
  return m;
}

function hexToRgb(hex) {
  const mm = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(String(hex).trim());
  if (!mm) return null;
  const h = mm[1].length === 3 ? [...mm[1]].map((c) => c + c).join("") : mm[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

/** n colors from a (lightened) to b, or null when either is not a hex color. */
function mixSteps(a, b, n) {
  const ca = hexToRgb(a);
  const cb = hexToRgb(b);
  if (!ca || !cb) return null;
  const start = ca.map((v, i) => v + (cb[i] - v) * 0.12);
  return Array.from({ length: n }, (_, k) => {
    const f = k / (n - 1);
    return `rgb(${start.map((v, i) => Math.round(v + (cb[i] - v) * f)).join(",")})`;
  });
}

function parseX(value, type) {
  if (value === null || value === undefined || value === "") return null;
  if (type === "date") return new Date(value);
  if (type === "number") return Number(value);
  return String(value);
}

/** Everything the family modules share: data, mapping, theme, formatters, colours, notes. */
function context(chartType, data, mapping, theme, width, options) {
  const t = resolveTheme(theme);
  const { columns, rows } = coerce(data);
  const m = resolveMapping(columns, mapping);
  const xType = columnType(columns, m.x);
  const cats = uniq(rows.map((r) => r[m.x]));
  const xFormat = columns.find((c) => c.name === m.x)?.format || {};
  const precision = xType !== "date" ? null : xFormat.unit === "quarter" ? "quarter" : datePrecision(cats);
  const locale = chartLocale(options.locale);
  const catLabel = (v) => (v instanceof Date ? dateLabel(v, precision, locale) : categoryLabel(v, locale));
  const fmt = numberFormatter(options.number_format, locale);
  const ctx = {
    type: chartType,
    t,
    rows,
    columns,
    m,
    xType,
    xCategorical: xType !== "number" && xType !== "date",
    cats,
    interval: xType === "date" ? dateInterval(cats) : null,
    catLabel,
    fmt,
    locale,
    timeFormat: timeTickFormat(locale),
    options,
    w: Math.max(120, Math.round(width)),
    accent: t.palette[0],
    grid: { stroke: t.colors.grid, strokeOpacity: 1 },
    facet: m.facet ? { fy: m.facet } : {},
    notes: [],
  };
  ctx.dropped = (negative, missing, what) => {
    const parts = [];
    if (negative) parts.push(`${negative} negative`);
    if (missing) parts.push(`${missing} missing`);
    if (parts.length) ctx.notes.push(`Left out ${parts.join(" and ")} value${negative + missing > 1 ? "s" : ""} of ${what}: this chart shows positive values only.`);
  };
  ctx.colorScale = (domain, legend) => {
    const colors = options.colors || {};
    const hl = options.highlight;
    const range = domain.map((d, i) => {
      const own = colors[String(d)] ?? t.palette[i % t.palette.length];
      if (!hl) return own;
      return String(d) === String(hl) ? (colors[String(d)] ?? t.palette[0]) : t.colors.grid;
    });
    return { type: "ordinal", domain, range: range.length ? range : [t.palette[0]], legend: Boolean(legend) && domain.length > 1, tickFormat: catLabel };
  };
  ctx.sequential = (name, values) => {
    const vals = (values ?? []).filter((v) => Number.isFinite(v));
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    const neg = t.palette[1] ?? "#e15759";
    if (vals.length && lo < 0 && hi > 0) {
      const down = mixSteps(t.colors.background, neg, 4);
      const up = mixSteps(t.colors.background, ctx.accent, 4);
      if (down && up) {
        const M = Math.max(-lo, hi);
        return { type: "quantize", domain: [-M, M], range: [...down.reverse(), ...up], legend: true, label: name, tickFormat: fmt, width: Math.min(ctx.w, 400) };
      }
    }
    const steps = mixSteps(t.colors.background, ctx.accent, 6);
    return steps
      ? { type: "quantize", range: steps, legend: true, label: name, tickFormat: fmt, width: Math.min(ctx.w, 360) }
      : { type: "linear", range: [t.colors.background, ctx.accent], label: name };
  };
  ctx.valueScale = () => {
    const s = { tickFormat: fmt, grid: false };
    if (options.y_scale === "log") s.type = "log";
    const lo = options.y_min === "" || options.y_min == null ? null : Number(options.y_min);
    const hi = options.y_max === "" || options.y_max == null ? null : Number(options.y_max);
    if (Number.isFinite(lo) && Number.isFinite(hi) && lo < hi) s.domain = [lo, hi];
    return s;
  };
  const range = options.highlight_range;
  const hasRange = range && range.from !== undefined && range.from !== "" && range.to !== undefined && range.to !== "";
  const shade = { fill: t.colors.muted, fillOpacity: 0.15 };
  ctx.highlightSpan = () => {
    if (!hasRange || ctx.xCategorical) return [];
    const x1 = parseX(range.from, xType);
    const x2 = parseX(range.to, xType);
    return [rect([{ x1, x2 }], { x1: "x1", x2: "x2", ...shade }), ...(range.label ? [text([{ x1 }], { x: "x1", frameAnchor: "top", textAnchor: "start", dx: 4, dy: 4, text: () => range.label, fill: t.colors.text })] : [])];
  };
  ctx.highlightBands = (bandCats, items, horizontal) => {
    if (!hasRange || horizontal) return [];
    const labels = bandCats.map(catLabel);
    const i1 = labels.indexOf(String(range.from));
    const i2 = labels.indexOf(String(range.to));
    if (i1 < 0 || i2 < 0) return [];
    const top = Math.max(0, ...items.map((d) => d.value));
    const picked = bandCats.slice(Math.min(i1, i2), Math.max(i1, i2) + 1);
    return [barY(picked, { x: (d) => d, y: () => top, insetLeft: -2, insetRight: -2, ...shade })];
  };
  return ctx;
}

function annotationMarks(ctx) {
  const notes = (ctx.options.annotations || []).filter((a) => a && a.text && a.x !== "" && a.x != null && a.y !== "" && a.y != null);
  if (!notes.length || !X_TYPES.has(ctx.type)) return [];
  const items = notes.map((a) => ({ x: ctx.xCategorical ? String(a.x) : parseX(a.x, ctx.xType), y: Number(a.y), text: String(a.text) }));
  return [
    dot(items, { x: "x", y: "y", r: 3, fill: ctx.t.colors.text }),
    text(items, { x: "x", y: "y", text: "text", dy: -10, fill: ctx.t.colors.text, fontWeight: 600, stroke: ctx.t.colors.background, strokeWidth: 3, paintOrder: "stroke" }),
  ];
}

const titled = (scale) => !scale || (scale.axis !== null && scale.label !== null);

/** Room for the axis titles beside the tick labels: Plot draws "x →" on the tick row and "↑ y" just
 * above the top tick unless the margins leave a line for them. */
function clearAxisTitles(opts) {
  if (titled(opts.x) && opts.x?.axis !== "top") opts.marginBottom = (opts.marginBottom ?? 30) + 14;
  if (titled(opts.y)) opts.marginTop = Math.max(opts.marginTop ?? 20, 34);
}

/** Draws one chart. Throws an Error with a readable message when the data cannot make this chart. */
export function render(chartType, data, mapping, theme, width = 640, options = {}) {
  if (!CHART_TYPE_IDS.includes(chartType)) throw new Error(`Unknown chart type "${chartType}".`);
  const ctx = context(chartType, data, mapping, theme, width, options || {});
  if (!ctx.columns.length) throw new Error("This chart has no data yet: paste or upload a CSV.");
  if (chartType === "table") return renderTable(ctx.columns, ctx.rows, ctx.t, ctx.catLabel);
  const style = {
    background: ctx.t.colors.background,
    color: ctx.t.colors.text,
    fontFamily: ctx.t.fonts.family,
    fontSize: `${ctx.t.fonts.body_size}px`,
    overflow: "visible",
  };
  const opts = { width: ctx.w, height: Math.round(Math.min(420, Math.max(240, ctx.w * 0.6))), style, marks: [] };
  if (MAP_TYPES.includes(chartType)) {
    const kind = atlasKind(chartType, ctx.rows, ctx.m);
    const atlas = atlasIfLoaded(kind);
    if (!atlas) {
      const wait = document.createElement("div");
      wait.className = "sa-map-loading";
      wait.textContent = "Loading map…";
      wait.saPending = loadAtlas(kind);
      return wait;
    }
    map(ctx, opts, atlas);
  } else {
    FAMILIES[chartType](ctx, opts);
    opts.marks.push(...annotationMarks(ctx));
  }
  if (ctx.m.facet && opts.fy === undefined) opts.fy = { label: null };
  if (!MAP_TYPES.includes(chartType)) clearAxisTitles(opts);
  const el = plot(opts);
  decorate(el, ctx);
  el.saNotes = ctx.notes;
  return el;
}

export { renderFigure } from "./figure.js";
