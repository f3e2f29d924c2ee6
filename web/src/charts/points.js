// Point families (scatter, bubble, dot, range and arrow plots), the histogram and the heatmap.
import { arrow, binX, cell, dot, gridX, gridY, link, rectY, ruleY } from "@observablehq/plot";
import { label, numericColumns, toSeries, uniq } from "./data.js";
import { bandAxisX, bandAxisY, labelMargin } from "./axes.js";
import { xScale } from "./lines.js";
import { isDimensionName } from "./types.js";

export function scatter(ctx, opts) {
  const { type, rows, columns, m } = ctx;
  const yv = m.y;
  if (!yv) throw new Error("A scatter or bubble chart needs a number column for Y.");
  const bubble = type === "bubble";
  const size = bubble ? (m.size ?? numericColumns(columns, [m.x, yv]).find((n) => !isDimensionName(n)) ?? yv) : null;
  let data = rows.filter((r) => r[m.x] !== null && r[yv] !== null);
  if (bubble) {
    const usable = data.filter((r) => r[size] !== null && r[size] > 0);
    const missing = data.filter((r) => r[size] === null).length;
    const negative = data.length - usable.length - missing;
    ctx.dropped(negative, missing, `${label(size)} (bubble size)`);
    data = usable;
  }
  xScale(ctx, opts);
  if (!ctx.xCategorical) opts.x.label = label(m.x);
  opts.y = { ...ctx.valueScale(), label: label(yv) };
  const groups = m.color ? uniq(data.map((r) => r[m.color])) : [];
  opts.color = ctx.colorScale(groups, Boolean(m.color));
  if (size) opts.r = { range: [3, Math.max(8, Math.min(28, ctx.w / 25))] };
  const tipf = (d) =>
    `${m.color ? `${d[m.color]} · ` : ""}${label(m.x)}: ${ctx.catLabel(d[m.x])}, ${label(yv)}: ${ctx.fmt(d[yv])}` +
    (size ? `, ${label(size)}: ${ctx.fmt(d[size])}` : "");
  opts.marks = [
    gridX(ctx.grid),
    gridY(ctx.grid),
    ctx.highlightSpan(),
    dot(data, {
      x: m.x,
      y: yv,
      r: size ?? 4,
      fill: m.color ?? ctx.accent,
      fillOpacity: bubble ? 0.6 : 0.85,
      stroke: bubble ? ctx.t.colors.background : undefined,
      title: tipf,
      ...ctx.facet,
    }),
  ];
  return opts;
}

function categoriesDown(ctx, opts, cats) {
  opts.height = Math.max(120, Math.min(1600, cats.length * 24) + 60);
  opts.marginLeft = labelMargin(cats, ctx.catLabel);
  opts.y = { domain: cats, label: null, ...bandAxisY(cats, opts.height - 60, ctx.catLabel) };
}

export function dotPlot(ctx, opts) {
  const { rows, m, cats } = ctx;
  if (!m.y) throw new Error("A dot plot needs a number column for the value.");
  categoriesDown(ctx, opts, cats);
  opts.color = ctx.colorScale(m.color ? uniq(rows.map((r) => r[m.color])) : [], Boolean(m.color));
  opts.x = { ...ctx.valueScale(), label: label(m.y) };
  opts.marks = [
    gridX(ctx.grid),
    dot(rows, {
      x: m.y,
      y: m.x,
      fill: m.color ?? ctx.accent,
      r: 5,
      title: (d) => `${ctx.catLabel(d[m.x])}: ${ctx.fmt(d[m.y])}`,
      ...ctx.facet,
    }),
  ];
  return opts;
}

export function rangeArrow(ctx, opts) {
  const { type, rows, columns, m, cats } = ctx;
  const yv = m.y;
  if (!yv) throw new Error("A range or arrow plot needs number columns for its start and end values.");
  const y2 = m.y2 ?? numericColumns(columns, [m.x, yv, m.size, m.facet]).find((n) => !isDimensionName(n)) ?? null;
  let segs;
  if (y2) {
    segs = rows.map((r) => ({ cat: r[m.x], a: r[yv], b: r[y2] }));
  } else {
    // One value column: a range from the smallest to the largest, an arrow from first to last value.
    segs = cats.map((c) => {
      const vals = rows.filter((r) => r[m.x] === c && r[yv] !== null).map((r) => r[yv]);
      return type === "range-plot"
        ? { cat: c, a: Math.min(...vals), b: Math.max(...vals) }
        : { cat: c, a: vals[0], b: vals[vals.length - 1] };
    });
  }
  segs = segs.filter((s) => s.a != null && s.b != null && Number.isFinite(+s.a) && Number.isFinite(+s.b));
  categoriesDown(ctx, opts, cats);
  opts.x = { ...ctx.valueScale(), label: y2 ? `${label(yv)} → ${label(y2)}` : label(yv) };
  const tipf = (s) => `${ctx.catLabel(s.cat)}: ${ctx.fmt(s.a)} → ${ctx.fmt(s.b)}`;
  const along = { x1: "a", x2: "b", y1: "cat", y2: "cat" };
  opts.marks = [gridX(ctx.grid)];
  if (type === "range-plot") {
    opts.marks.push(link(segs, { ...along, stroke: ctx.accent, strokeWidth: 3 }));
    opts.marks.push(dot(segs, { x: "a", y: "cat", fill: ctx.t.palette[1] ?? ctx.accent, r: 4, title: tipf }));
    opts.marks.push(dot(segs, { x: "b", y: "cat", fill: ctx.accent, r: 4, title: tipf }));
  } else {
    opts.marks.push(arrow(segs, { ...along, stroke: ctx.accent, strokeWidth: 2, headLength: 8, title: tipf }));
  }
  return opts;
}

export function histogram(ctx, opts) {
  const { rows, columns, m } = ctx;
  const value = columns.find((c) => c.name === m.y && c.type === "number") ? m.y : (numericColumns(columns, [])[0] ?? m.x);
  opts.color = ctx.colorScale(m.color ? uniq(rows.map((r) => r[m.color])) : [], Boolean(m.color));
  opts.x = { label: label(value), tickFormat: ctx.fmt };
  opts.y = { label: "Count" };
  // Past the row limit the server sends counts per bin (__x1, __x2, __count): drawn as they are.
  const binned = columns.some((c) => c.name === "__count");
  const bars = binned
    ? rectY(rows, { x1: "__x1", x2: "__x2", y: "__count", fill: m.color ?? ctx.accent, title: (d) => `${d.__count} rows`, ...ctx.facet })
    : rectY(rows, binX({ y: "count", title: (bin) => `${bin.length} rows` }, { x: value, fill: m.color ?? ctx.accent, ...ctx.facet }));
  opts.marks = [gridY(ctx.grid), bars, ruleY([0])];
  return opts;
}

export function heatmap(ctx, opts) {
  const { rows, columns, m, cats } = ctx;
  const s = toSeries(rows, columns, m);
  const ys = s.color ? uniq(s.rows.map((r) => r[s.color])) : [];
  opts.marginLeft = labelMargin(ys, ctx.catLabel);
  const layout = bandAxisX(cats, ctx.w - opts.marginLeft - 20, ctx.catLabel);
  const bandsHeight = Math.max(60, Math.min(1200, (ys.length || 1) * 28));
  opts.height = bandsHeight + layout.marginBottom + 40;
  opts.x = { domain: cats, label: null, ...layout.axis };
  opts.marginBottom = layout.marginBottom;
  opts.y = { domain: ys.length ? ys : undefined, label: null, ...(ys.length ? bandAxisY(ys, bandsHeight, ctx.catLabel) : {}) };
  opts.color = ctx.sequential(s.y);
  opts.padding = 0.05;
  opts.marks = [
    cell(s.rows, {
      x: m.x,
      y: s.color ?? undefined,
      fill: s.y,
      inset: 0.5,
      title: (d) => `${ctx.catLabel(d[m.x])}${s.color ? ` · ${d[s.color]}` : ""}: ${ctx.fmt(d[s.y])}`,
    }),
  ];
  return opts;
}
