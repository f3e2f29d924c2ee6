// Line and area families, small multiples and the slope chart. Text categories keep the data's order on a
// point scale; numbers and dates sort along a continuous axis, as time reads.
import { areaY, dot, gridY, line, ruleY, text } from "@observablehq/plot";
import { inOrder, label, numericColumns, sortedBy, toSeries, uniq } from "./data.js";
import { bandAxisX, labelMargin, shorten } from "./axes.js";
import { isDimensionName } from "./types.js";

/** The x scale: categories on a point scale in data order (ticks kept apart), or a continuous axis. */
export function xScale(ctx, opts, available = ctx.w - 60) {
  if (!ctx.xCategorical) {
    opts.x = ctx.xType === "date" ? { type: "utc", label: null, tickFormat: ctx.timeFormat } : { label: label(ctx.m.x), tickFormat: isDimensionName(ctx.m.x) ? String : ctx.fmt };
    return;
  }
  const layout = bandAxisX(ctx.cats, available, ctx.catLabel);
  opts.x = { type: "point", domain: ctx.cats, label: null, ...layout.axis };
  opts.marginBottom = layout.marginBottom;
}

function ordered(ctx, rows) {
  return ctx.xCategorical ? inOrder(rows, ctx.m.x, ctx.cats) : sortedBy(rows, ctx.m.x);
}

/** Invisible points that carry a tooltip (and focus) per data point. */
function hoverDots(ctx, rows, y, z, extra = {}) {
  const tipf = (d) => `${z ? `${d[z]} · ` : ""}${ctx.catLabel(d[ctx.m.x])}: ${ctx.fmt(d[y])}`;
  const shown = rows.length <= 60;
  return dot(rows, {
    x: ctx.m.x,
    y,
    r: shown ? 3 : 4,
    fill: z ?? ctx.accent,
    fillOpacity: shown ? 1 : 0,
    title: tipf,
    ...extra,
  });
}

export function lines(ctx, opts) {
  const { type, rows, columns, m } = ctx;
  const single = type === "line" || type === "area";
  const s = single ? { rows, y: m.y, color: null } : toSeries(rows, columns, m);
  if (!s.y) throw new Error(`A ${type.replace("-", " ")} chart needs a number column for Y.`);
  if (type === "small-multiples") return smallMultiples(ctx, opts, s);
  const data = ordered(ctx, s.rows.filter((r) => r[m.x] !== null));
  xScale(ctx, opts);
  const series = s.color ? uniq(data.map((r) => r[s.color])) : [];
  opts.color = ctx.colorScale(series, Boolean(s.color));
  opts.y = { ...ctx.valueScale(), label: label(s.y) };
  const z = s.color ?? undefined;
  const color = s.color ?? ctx.accent;
  opts.marks = [gridY(ctx.grid), ctx.highlightSpan()];
  if (type === "area" || type === "stacked-area") {
    const stacked = type === "stacked-area";
    opts.marks.push(areaY(data, { x: m.x, y: s.y, z, fill: color, fillOpacity: stacked ? 0.85 : 0.35, ...ctx.facet }));
    opts.marks.push(ruleY([0]));
    if (stacked) return opts;
  }
  opts.marks.push(line(data, { x: m.x, y: s.y, z, stroke: color, strokeWidth: 2, ...ctx.facet }));
  opts.marks.push(hoverDots(ctx, data, s.y, s.color, ctx.facet));
  return opts;
}

/** One small line chart per series, in a grid that wraps by width, all on the same scales. */
function smallMultiples(ctx, opts, s) {
  const split = s.color ?? "__one";
  const rowsIn = s.color ? s.rows : s.rows.map((r) => ({ ...r, __one: label(s.y) }));
  const data = ordered(ctx, rowsIn.filter((r) => r[ctx.m.x] !== null));
  const series = uniq(data.map((r) => r[split]));
  const cols = Math.max(1, Math.min(series.length, Math.floor(ctx.w / 220)));
  const at = new Map(series.map((name, i) => [name, { fx: i % cols, fy: Math.floor(i / cols) }]));
  const placed = data.map((r) => ({ ...r, __fx: at.get(r[split]).fx, __fy: at.get(r[split]).fy }));
  xScale(ctx, opts, ctx.w / cols - 50);
  opts.height = Math.ceil(series.length / cols) * 150 + 50;
  opts.fx = { axis: null, padding: 0.12 };
  opts.fy = { axis: null, padding: 0.2 };
  opts.y = { ...ctx.valueScale(), label: label(s.y) };
  opts.color = ctx.colorScale(series, true);
  opts.marginTop = 30;
  const facet = { fx: "__fx", fy: "__fy" };
  const titles = series.map((name) => ({ name, __fx: at.get(name).fx, __fy: at.get(name).fy }));
  opts.marks = [
    gridY(ctx.grid),
    line(placed, { x: ctx.m.x, y: s.y, z: split, stroke: split, strokeWidth: 2, ...facet }),
    hoverDots(ctx, placed, s.y, split, facet),
    text(titles, { ...facet, text: (d) => shorten(d.name, 24), frameAnchor: "top-left", dy: -14, fontWeight: 600, fill: ctx.t.colors.text }),
  ];
  return opts;
}

/** Slope: each item from a first to a last value (two number columns, or the first and last period). */
export function slope(ctx, opts) {
  const { rows, columns, m } = ctx;
  let items;
  let periods;
  if (m.color && m.y) {
    const ps = ctx.cats;
    periods = [ps[0], ps[ps.length - 1]].map(ctx.catLabel);
    items = rows
      .filter((r) => r[m.y] !== null && (r[m.x] === ps[0] || r[m.x] === ps[ps.length - 1]))
      .map((r) => ({ name: String(r[m.color]), period: ctx.catLabel(r[m.x]), value: r[m.y] }));
  } else {
    const y2 = m.y2 ?? numericColumns(columns, [m.x, m.y]).find((n) => !isDimensionName(n));
    if (!m.y) throw new Error("A slope chart needs a number column for its values.");
    if (!y2) return slopeFirstLast(ctx, opts);
    periods = [label(m.y), label(y2)];
    items = rows
      .filter((r) => r[m.y] !== null && r[y2] !== null && r[m.x] !== null)
      .flatMap((r) => [
        { name: ctx.catLabel(r[m.x]), period: periods[0], value: r[m.y] },
        { name: ctx.catLabel(r[m.x]), period: periods[1], value: r[y2] },
      ]);
  }
  return drawSlope(ctx, opts, items, periods);
}

/** One number column and no series: the change from the first to the last row. */
function slopeFirstLast(ctx, opts) {
  const { m } = ctx;
  const rows = ctx.rows.filter((r) => r[m.x] !== null && r[m.y] !== null);
  if (rows.length < 2) throw new Error("A slope chart needs at least two rows.");
  const ends = [rows[0], rows[rows.length - 1]];
  const periods = ends.map((r) => ctx.catLabel(r[m.x]));
  const items = ends.map((r, i) => ({ name: label(m.y), period: periods[i], value: r[m.y] }));
  return drawSlope(ctx, opts, items, periods);
}

function drawSlope(ctx, opts, all, periods) {
  let items = all;
  const names = uniq(items.map((d) => d.name)).slice(0, 60);
  items = items.filter((d) => names.includes(d.name));
  const ends = (p) => items.filter((d) => d.period === p);
  const side = Math.min(Math.round(ctx.w * 0.3), labelMargin(names.map((n) => `${shorten(n, 18)} 0000.0`)));
  opts.marginLeft = side;
  opts.marginRight = side;
  opts.x = { type: "point", domain: periods, padding: 0, label: null, axis: "top", tickFormat: (d) => shorten(d) };
  opts.y = { ...ctx.valueScale(), axis: null };
  opts.color = ctx.colorScale(names, true);
  const tipf = (d) => `${d.name} · ${d.period}: ${ctx.fmt(d.value)}`;
  const labelText = (d) => `${shorten(d.name, 18)} ${ctx.fmt(d.value)}`;
  opts.height = Math.max(opts.height, Math.min(900, names.length * 16 + 60));
  opts.marks = [
    line(items, { x: "period", y: "value", z: "name", stroke: "name", strokeWidth: 2 }),
    dot(items, { x: "period", y: "value", fill: "name", r: 4, title: tipf }),
    text(ends(periods[0]), { x: "period", y: "value", text: labelText, textAnchor: "end", dx: -8, fill: ctx.t.colors.text }),
    text(ends(periods[1]), { x: "period", y: "value", text: labelText, textAnchor: "start", dx: 8, fill: ctx.t.colors.text }),
  ];
  return opts;
}

