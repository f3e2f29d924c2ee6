// Bar and column families: plain, stacked, 100% stacked and grouped. Values are summed per category
// (and series) first, so each bar is one row that tooltips and value labels read, in the data's order.
import { barX, barY, rectY, ruleX, ruleY, gridX, gridY, text } from "@observablehq/plot";
import { aggregate, label, toSeries, uniq } from "./data.js";
import { bandAxisX, bandAxisY, labelMargin } from "./axes.js";

function tip(ctx, withSeries) {
  return (d) => `${ctx.catLabel(d.x)}${withSeries && d.series != null ? ` · ${d.series}` : ""}: ${ctx.fmt(d.value)}`;
}

function valueLabels(ctx, items, horizontal, channels) {
  const pos = ctx.options.value_labels;
  if (!pos || pos === "off") return [];
  const inside = pos === "inside";
  const common = { ...channels, text: (d) => ctx.fmt(d.value), fill: inside ? "#fff" : ctx.t.colors.text };
  if (horizontal) return [text(items, { ...common, textAnchor: inside ? "end" : "start", dx: inside ? -4 : 4 })];
  return [text(items, { ...common, dy: inside ? 10 : -7 })];
}

/** Categories down the side, value along x. */
function horizontal(ctx, opts, cats, valueLabel) {
  const band = Math.max(2, Math.min(24, 1500 / Math.max(1, cats.length)));
  opts.height = Math.max(120, Math.round(cats.length * band + 60));
  opts.marginLeft = labelMargin(cats, ctx.catLabel);
  opts.y = { domain: cats, label: null, ...bandAxisY(cats, opts.height - 60, ctx.catLabel) };
  opts.x = { ...ctx.valueScale(), label: valueLabel };
}

/** Categories along the bottom, value up y; ticks thinned or turned so they never collide. */
function vertical(ctx, opts, cats, valueLabel) {
  const layout = bandAxisX(cats, ctx.w - 60, ctx.catLabel);
  opts.x = { domain: cats, label: null, ...layout.axis };
  opts.marginBottom = layout.marginBottom;
  opts.y = { ...ctx.valueScale(), label: valueLabel };
}

export function bars(ctx, opts) {
  const { type, rows, columns, m, accent, grid } = ctx;
  const isH = type === "bar" || type === "stacked-bar" || type === "grouped-bar" || type === "stacked-bar-100";
  const v = isH ? "x" : "y";
  const c = isH ? "y" : "x";
  const Bar = isH ? barX : barY;
  const Grid = isH ? gridX : gridY;
  const Rule = isH ? ruleX : ruleY;
  if (type === "bar" || type === "column") {
    if (!isH && ctx.xType === "date" && ctx.cats.length > 24) return timeColumns(ctx, opts);
    const items = aggregate(rows, m.x, m.y);
    const cats = uniq(items.map((d) => d.x));
    (isH ? horizontal : vertical)(ctx, opts, cats, m.y ? label(m.y) : "Count");
    const ch = { [c]: "x", [v]: "value" };
    opts.marks = [
      Grid(grid),
      ctx.highlightBands(cats, items, isH),
      Bar(items, { ...ch, fill: accent, title: tip(ctx, false) }),
      ...valueLabels(ctx, items, isH, ch),
      Rule([0]),
    ];
    return opts;
  }
  const s = toSeries(rows, columns, m);
  const items = aggregate(s.rows, m.x, s.y, s.color);
  const cats = uniq(items.map((d) => d.x));
  const series = uniq(items.map((d) => d.series));
  const withSeries = Boolean(s.color);
  opts.color = ctx.colorScale(series, withSeries);
  const fill = withSeries ? "series" : accent;
  if (type === "grouped-bar" || type === "grouped-column") {
    const groups = withSeries ? series : cats;
    const gkey = withSeries ? "series" : "x";
    if (isH) {
      opts.height = Math.max(120, Math.min(1600, cats.length * groups.length * 14) + 70);
      opts.marginLeft = labelMargin(cats, ctx.catLabel);
      opts.y = { domain: groups, axis: null };
      opts.fy = { domain: cats, label: null, ...bandAxisY(cats, opts.height - 70, ctx.catLabel) };
      opts.x = { ...ctx.valueScale(), label: label(s.y) };
    } else {
      const layout = bandAxisX(cats, ctx.w - 60, ctx.catLabel);
      opts.x = { domain: groups, axis: null };
      opts.fx = { domain: cats, label: null, ...layout.axis };
      opts.marginBottom = layout.marginBottom;
      opts.y = { ...ctx.valueScale(), label: label(s.y) };
    }
    const ch = { [c]: gkey, [isH ? "fy" : "fx"]: "x", [v]: "value" };
    opts.marks = [
      Grid(grid),
      Bar(items, { ...ch, fill, title: tip(ctx, withSeries) }),
      ...valueLabels(ctx, items, isH, ch),
      Rule([0]),
    ];
    return opts;
  }
  const normalize = type === "stacked-bar-100";
  (isH ? horizontal : vertical)(ctx, opts, cats, normalize ? `Share of ${label(s.y)}` : label(s.y));
  if (normalize) {
    opts.x = { ...opts.x, percent: true, domain: [0, 100], tickFormat: (d) => `${d}%`, type: "linear" };
    opts.marginBottom = 40;
  }
  const stack = { [c]: "x", [v]: "value", ...(withSeries ? { order: series } : {}), ...(normalize ? { offset: "normalize" } : {}) };
  opts.marks = [
    Grid(grid),
    Bar(items, { ...stack, fill, title: tip(ctx, withSeries) }),
    Rule([0]),
  ];
  return opts;
}

/** A column per day (or week, month...) on a real time axis: 365 dates read as months, not a smear. */
function timeColumns(ctx, opts) {
  const items = aggregate(ctx.rows, ctx.m.x, ctx.m.y);
  opts.x = { type: "utc", label: null, tickFormat: ctx.timeFormat };
  opts.y = { ...ctx.valueScale(), label: ctx.m.y ? label(ctx.m.y) : "Count" };
  opts.marks = [
    gridY(ctx.grid),
    ctx.highlightSpan(),
    rectY(items, {
      x: "x",
      y: "value",
      interval: ctx.interval ?? "day",
      fill: ctx.accent,
      inset: 0.3,
      title: (d) => `${ctx.catLabel(d.x)}: ${ctx.fmt(d.value)}`,
    }),
    ruleY([0]),
  ];
  return opts;
}
