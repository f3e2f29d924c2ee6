// The one chart renderer, shared by the editor preview, dashboards and the embed page.
// render(chartType, data, mapping, theme, width) -> an element (a Plot <svg>/<figure>, or a <div> with a table).
// Named imports keep the bundle to the Plot marks actually used.
import {
  plot,
  barX,
  barY,
  lineY,
  line,
  areaY,
  dot,
  link,
  arrow,
  rectY,
  binX,
  cell,
  ruleX,
  ruleY,
  groupX,
  groupY,
  gridX,
  gridY,
} from "@observablehq/plot";
import { pie as d3pie, arc as d3arc } from "d3-shape";
import { CHART_TYPE_IDS, guessMapping, isDimensionName } from "./types.js";
import { resolveTheme } from "./theme.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const SERIES = "__series";
const VALUE = "__value";

function cast(value, type) {
  if (value === null || value === undefined || value === "") return null;
  if (type === "number") {
    const n = typeof value === "number" ? value : Number(String(value).replace(/,/g, ""));
    return Number.isFinite(n) ? n : null;
  }
  if (type === "date") {
    const d = value instanceof Date ? value : new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  if (type === "boolean") return value === true || String(value).toLowerCase() === "true";
  return String(value);
}

/** Typed rows from the API's {columns, rows}; rows may be objects or arrays (the upload preview). */
export function coerce(data) {
  const columns = data?.columns ?? [];
  const rows = (data?.rows ?? data?.preview ?? []).map((r) => {
    const o = {};
    columns.forEach((c, i) => {
      o[c.name] = cast(Array.isArray(r) ? r[i] : r[c.name], c.type);
    });
    return o;
  });
  return { columns, rows };
}

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

function numericColumns(columns, exclude) {
  return columns.filter((c) => c.type === "number" && !exclude.includes(c.name)).map((c) => c.name);
}

/** Long form for series charts: use the color column, or fold several number columns into series. */
function toSeries(rows, columns, m) {
  if (m.color) return { rows, y: m.y, color: m.color };
  const nums = numericColumns(columns, [m.x, m.size, m.facet]).filter((n) => n === m.y || !isDimensionName(n));
  if (nums.length > 1) {
    const long = rows.flatMap((r) => nums.map((n) => ({ ...r, [SERIES]: n, [VALUE]: r[n] })));
    return { rows: long, y: VALUE, color: SERIES };
  }
  return { rows, y: m.y, color: null };
}

function uniq(values) {
  return [...new Set(values.filter((v) => v !== null && v !== undefined))];
}

function label(name) {
  if (name === SERIES) return "Series";
  if (name === VALUE) return "Value";
  return name;
}

function sortedBy(rows, key) {
  return [...rows].sort((a, b) => {
    const va = a[key];
    const vb = b[key];
    if (va === vb) return 0;
    if (va === null) return 1;
    if (vb === null) return -1;
    return va < vb ? -1 : 1;
  });
}

/** Pie and donut: Plot has no pie mark, so a Plot function mark draws d3-shape arcs in Plot's frame. */
function pieMark(items, donut, colorOf, theme) {
  return (index, scales, values, dimensions) => {
    const { width, height } = dimensions;
    const r = Math.max(10, Math.min(width, height) / 2 - 8);
    const g = document.createElementNS(SVG_NS, "g");
    g.setAttribute("transform", `translate(${width / 2},${height / 2})`);
    g.setAttribute("aria-label", donut ? "donut" : "pie");
    const arcs = d3pie()
      .value((d) => d.value)
      .sort(null)(items);
    const arcPath = d3arc()
      .innerRadius(donut ? r * 0.55 : 0)
      .outerRadius(r);
    const total = items.reduce((s, d) => s + d.value, 0) || 1;
    for (const a of arcs) {
      const path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", arcPath(a));
      path.setAttribute("fill", colorOf(a.data.label));
      path.setAttribute("stroke", theme.colors.background);
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = `${a.data.label}: ${a.data.value}`;
      path.appendChild(title);
      g.appendChild(path);
      if (a.data.value / total >= 0.05) {
        const [cx, cy] = arcPath.centroid(a);
        const t = document.createElementNS(SVG_NS, "text");
        t.setAttribute("x", cx);
        t.setAttribute("y", cy);
        t.setAttribute("text-anchor", "middle");
        t.setAttribute("dy", "0.35em");
        t.setAttribute("fill", "#fff");
        t.textContent = `${Math.round((a.data.value / total) * 100)}%`;
        g.appendChild(t);
      }
    }
    return g;
  };
}

function renderTable(columns, rows, theme) {
  const wrap = document.createElement("div");
  wrap.className = "sa-table-wrap";
  wrap.style.overflowX = "auto";
  const table = document.createElement("table");
  table.className = "sa-table";
  Object.assign(table.style, {
    borderCollapse: "collapse",
    width: "100%",
    fontFamily: theme.fonts.family,
    fontSize: `${theme.fonts.body_size}px`,
    color: theme.colors.text,
    background: theme.colors.background,
  });
  const thead = table.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement("th");
    th.textContent = c.name;
    Object.assign(th.style, {
      textAlign: c.type === "number" ? "right" : "left",
      borderBottom: `2px solid ${theme.colors.axis}`,
      padding: "4px 8px",
    });
    thead.appendChild(th);
  }
  const body = table.createTBody();
  for (const r of rows.slice(0, 500)) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      const v = r[c.name];
      td.textContent = v === null ? "" : v instanceof Date ? v.toISOString().slice(0, 10) : String(v);
      Object.assign(td.style, {
        textAlign: c.type === "number" ? "right" : "left",
        borderBottom: `1px solid ${theme.colors.grid}`,
        padding: "4px 8px",
      });
    }
  }
  wrap.appendChild(table);
  return wrap;
}

function hexToRgb(hex) {
  const m = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(String(hex).trim());
  if (!m) return null;
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
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

function labelMargin(values) {
  const longest = Math.max(0, ...values.map((v) => String(v).length));
  return Math.min(220, Math.max(40, longest * 7 + 12));
}

/** Draws one chart. Throws an Error with a readable message when the data cannot make this chart. */
export function render(chartType, data, mapping, theme, width = 640) {
  if (!CHART_TYPE_IDS.includes(chartType)) throw new Error(`Unknown chart type "${chartType}".`);
  const t = resolveTheme(theme);
  const { columns, rows } = coerce(data);
  if (!columns.length) throw new Error("This chart has no data yet: paste or upload a CSV.");
  if (chartType === "table") return renderTable(columns, rows, t);

  const m = resolveMapping(columns, mapping);
  const w = Math.max(120, Math.round(width));
  const accent = t.palette[0];
  const facet = m.facet ? { fy: m.facet } : {};
  const style = {
    background: t.colors.background,
    color: t.colors.text,
    fontFamily: t.fonts.family,
    fontSize: `${t.fonts.body_size}px`,
    overflow: "visible",
  };
  const grid = { stroke: t.colors.grid, strokeOpacity: 1 };
  const opts = { width: w, height: Math.round(Math.min(420, Math.max(240, w * 0.6))), style, marks: [] };
  const palette = (legend) => ({ type: "ordinal", range: t.palette, legend });
  const cats = uniq(rows.map((r) => r[m.x]));
  const yv = m.y;

  switch (chartType) {
    case "bar":
    case "column": {
      const horizontal = chartType === "bar";
      const agg = yv ? { [horizontal ? "x" : "y"]: "sum" } : { [horizontal ? "x" : "y"]: "count" };
      if (horizontal) {
        opts.height = Math.max(120, cats.length * 24 + 50);
        opts.marginLeft = labelMargin(cats);
        opts.y = { domain: cats, label: null };
        opts.x = { label: label(yv) };
        opts.marks = [gridX(grid), barX(rows, groupY(agg, { y: m.x, x: yv, fill: accent, ...facet })), ruleX([0])];
      } else {
        opts.x = { domain: cats, label: null, tickRotate: cats.length > 12 ? -45 : 0 };
        opts.y = { label: label(yv) };
        opts.marks = [gridY(grid), barY(rows, groupX(agg, { x: m.x, y: yv, fill: accent, ...facet })), ruleY([0])];
      }
      break;
    }
    case "stacked-bar":
    case "stacked-column": {
      const s = toSeries(rows, columns, m);
      opts.color = palette(Boolean(s.color));
      const fill = s.color ?? accent;
      if (chartType === "stacked-bar") {
        opts.height = Math.max(120, cats.length * 24 + 70);
        opts.marginLeft = labelMargin(cats);
        opts.y = { domain: cats, label: null };
        opts.x = { label: label(s.y) };
        opts.marks = [gridX(grid), barX(s.rows, { y: m.x, x: s.y, fill, ...facet }), ruleX([0])];
      } else {
        opts.x = { domain: cats, label: null, tickRotate: cats.length > 12 ? -45 : 0 };
        opts.y = { label: label(s.y) };
        opts.marks = [gridY(grid), barY(s.rows, { x: m.x, y: s.y, fill, ...facet }), ruleY([0])];
      }
      break;
    }
    case "grouped-bar":
    case "grouped-column": {
      const s = toSeries(rows, columns, m);
      const group = s.color ?? m.x;
      const groups = uniq(s.rows.map((r) => r[group]));
      opts.color = palette(Boolean(s.color));
      if (chartType === "grouped-bar") {
        opts.height = Math.max(120, cats.length * groups.length * 14 + 70);
        opts.marginLeft = labelMargin(cats);
        opts.y = { domain: groups, axis: null };
        opts.fy = { domain: cats, label: null };
        opts.x = { label: label(s.y) };
        opts.marks = [
          gridX(grid),
          barX(s.rows, groupY({ x: "sum" }, { fy: m.x, y: group, x: s.y, fill: s.color ?? accent })),
          ruleX([0]),
        ];
      } else {
        opts.x = { domain: groups, axis: null };
        opts.fx = { domain: cats, label: null };
        opts.y = { label: label(s.y) };
        opts.marks = [
          gridY(grid),
          barY(s.rows, groupX({ y: "sum" }, { fx: m.x, x: group, y: s.y, fill: s.color ?? accent })),
          ruleY([0]),
        ];
      }
      break;
    }
    case "line":
    case "area": {
      if (!yv) throw new Error("A line or area chart needs a number column for Y.");
      const sorted = sortedBy(rows, m.x);
      opts.y = { label: label(yv), grid: false };
      opts.marks = [gridY(grid)];
      if (chartType === "area") {
        opts.marks.push(areaY(sorted, { x: m.x, y: yv, fill: accent, fillOpacity: 0.35, ...facet }));
        opts.marks.push(ruleY([0]));
      }
      opts.marks.push(lineY(sorted, { x: m.x, y: yv, stroke: accent, strokeWidth: 2, ...facet }));
      break;
    }
    case "multi-line": {
      const s = toSeries(rows, columns, m);
      if (!s.y) throw new Error("A multi-line chart needs a number column for Y.");
      opts.color = palette(Boolean(s.color));
      opts.y = { label: label(s.y) };
      opts.marks = [
        gridY(grid),
        line(sortedBy(s.rows, m.x), {
          x: m.x,
          y: s.y,
          z: s.color,
          stroke: s.color ?? accent,
          strokeWidth: 2,
          ...facet,
        }),
      ];
      break;
    }
    case "stacked-area": {
      const s = toSeries(rows, columns, m);
      if (!s.y) throw new Error("A stacked area chart needs a number column for Y.");
      opts.color = palette(Boolean(s.color));
      opts.y = { label: label(s.y) };
      opts.marks = [
        gridY(grid),
        areaY(sortedBy(s.rows, m.x), { x: m.x, y: s.y, z: s.color, fill: s.color ?? accent, ...facet }),
        ruleY([0]),
      ];
      break;
    }
    case "scatter":
    case "bubble": {
      if (!yv) throw new Error("A scatter or bubble chart needs a number column for Y.");
      opts.color = palette(Boolean(m.color));
      opts.x = { label: label(m.x), grid: false };
      opts.y = { label: label(yv) };
      const size =
        chartType === "bubble"
          ? (m.size ?? numericColumns(columns, [m.x, yv]).find((n) => !isDimensionName(n)) ?? yv)
          : null;
      if (size) opts.r = { range: [3, Math.max(8, Math.min(28, w / 25))] };
      opts.marks = [
        gridX(grid),
        gridY(grid),
        dot(rows, {
          x: m.x,
          y: yv,
          r: size ?? 4,
          fill: m.color ?? accent,
          fillOpacity: chartType === "bubble" ? 0.6 : 0.85,
          stroke: chartType === "bubble" ? t.colors.background : undefined,
          ...facet,
        }),
      ];
      break;
    }
    case "dot-plot": {
      if (!yv) throw new Error("A dot plot needs a number column for the value.");
      opts.height = Math.max(120, cats.length * 24 + 60);
      opts.marginLeft = labelMargin(cats);
      opts.color = palette(Boolean(m.color));
      opts.y = { domain: cats, label: null };
      opts.x = { label: label(yv) };
      opts.marks = [
        ruleY(cats, { stroke: t.colors.grid }),
        dot(rows, { x: yv, y: m.x, fill: m.color ?? accent, r: 5, ...facet }),
      ];
      break;
    }
    case "range-plot":
    case "arrow-plot": {
      if (!yv) throw new Error("A range or arrow plot needs number columns for its start and end values.");
      const y2 =
        m.y2 ?? numericColumns(columns, [m.x, yv, m.size, m.facet]).find((n) => !isDimensionName(n)) ?? null;
      let segs;
      if (y2) {
        segs = rows.map((r) => ({ cat: r[m.x], a: r[yv], b: r[y2] }));
      } else {
        // One value column: a range from the smallest to the largest, an arrow from first to last value.
        segs = cats.map((c) => {
          const vals = rows.filter((r) => r[m.x] === c && r[yv] !== null).map((r) => r[yv]);
          return chartType === "range-plot"
            ? { cat: c, a: Math.min(...vals), b: Math.max(...vals) }
            : { cat: c, a: vals[0], b: vals[vals.length - 1] };
        });
      }
      segs = segs.filter((s) => s.a !== null && s.b !== null && Number.isFinite(+s.a) && Number.isFinite(+s.b));
      opts.height = Math.max(120, cats.length * 24 + 60);
      opts.marginLeft = labelMargin(cats);
      opts.y = { domain: cats, label: null };
      opts.x = { label: y2 ? `${label(yv)} → ${label(y2)}` : label(yv) };
      opts.marks = [gridX(grid)];
      if (chartType === "range-plot") {
        opts.marks.push(link(segs, { x1: "a", x2: "b", y1: "cat", y2: "cat", stroke: accent, strokeWidth: 3 }));
        opts.marks.push(dot(segs, { x: "a", y: "cat", fill: t.palette[1] ?? accent, r: 4 }));
        opts.marks.push(dot(segs, { x: "b", y: "cat", fill: accent, r: 4 }));
      } else {
        opts.marks.push(
          arrow(segs, { x1: "a", x2: "b", y1: "cat", y2: "cat", stroke: accent, strokeWidth: 2, headLength: 8 }),
        );
      }
      break;
    }
    case "pie":
    case "donut": {
      const totals = new Map();
      for (const r of rows) {
        const key = r[m.x] === null ? "(blank)" : String(r[m.x]);
        const v = yv ? r[yv] : 1;
        if (v !== null && v > 0) totals.set(key, (totals.get(key) ?? 0) + v);
      }
      const items = [...totals].map(([lbl, value]) => ({ label: lbl, value }));
      if (!items.length) throw new Error("A pie chart needs positive numbers in the value column.");
      const domain = items.map((d) => d.label);
      const colorOf = (lbl) => t.palette[domain.indexOf(lbl) % t.palette.length];
      opts.height = Math.round(Math.min(400, Math.max(200, w * 0.6)));
      opts.color = { type: "ordinal", domain, range: t.palette, legend: true };
      opts.x = { axis: null };
      opts.y = { axis: null };
      opts.marks = [pieMark(items, chartType === "donut", colorOf, t)];
      break;
    }
    case "histogram": {
      const value = columns.find((c) => c.name === yv && c.type === "number")
        ? yv
        : (numericColumns(columns, [])[0] ?? m.x);
      opts.color = palette(Boolean(m.color));
      opts.x = { label: label(value) };
      opts.y = { label: "Count" };
      opts.marks = [
        gridY(grid),
        rectY(rows, binX({ y: "count" }, { x: value, fill: m.color ?? accent, ...facet })),
        ruleY([0]),
      ];
      break;
    }
    case "heatmap": {
      const s = toSeries(rows, columns, m);
      const ys = s.color ? uniq(s.rows.map((r) => r[s.color])) : [];
      opts.height = Math.max(120, (ys.length || 1) * 28 + 60);
      opts.marginLeft = labelMargin(ys);
      opts.x = { domain: cats, label: null, tickRotate: cats.length > 12 ? -45 : 0 };
      opts.y = { domain: ys.length ? ys : undefined, label: null };
      // Quantized steps: a discrete legend that needs no <canvas> (continuous ramps do).
      const steps = mixSteps(t.colors.background, accent, 6);
      opts.color = steps
        ? { type: "quantize", range: steps, legend: true, label: label(s.y), tickFormat: "~s" }
        : { type: "linear", range: [t.colors.background, accent], label: label(s.y) };
      opts.padding = 0.05;
      opts.marks = [cell(s.rows, { x: m.x, y: s.color ?? undefined, fill: s.y, inset: 0.5 })];
      break;
    }
    default:
      throw new Error(`Unknown chart type "${chartType}".`);
  }
  if (m.facet && opts.fy === undefined) opts.fy = { label: null };
  for (const axis of ["x", "y", "fx", "fy"]) {
    const scale = opts[axis];
    if (scale && Array.isArray(scale.domain) && scale.tickFormat === undefined) scale.tickFormat = categoryLabel;
  }
  return plot(opts);
}

/** Categories are labels, not quantities: a year 2020 reads "2020", not "2,020". */
function categoryLabel(value) {
  if (value == null) return "";
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
}

/** Chart with its title, description, source and notes: what the editor preview and the embed show. */
export function renderFigure(chart, width) {
  const t = resolveTheme(chart.theme);
  const fig = document.createElement("div");
  fig.className = "sa-figure";
  Object.assign(fig.style, {
    background: t.colors.background,
    color: t.colors.text,
    fontFamily: t.fonts.family,
    fontSize: `${t.fonts.body_size}px`,
    padding: "12px",
    boxSizing: "border-box",
  });
  const config = chart.config || {};
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
  body.className = "sa-chart";
  body.dataset.chartType = chart.chart_type;
  try {
    body.appendChild(render(chart.chart_type, chart.data, config.mapping, t, width - 24));
  } catch (err) {
    body.className = "sa-chart sa-chart-error";
    body.setAttribute("role", "alert");
    body.textContent = err.message;
  }
  fig.appendChild(body);
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
  return fig;
}
