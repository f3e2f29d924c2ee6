// Parts of a whole: pie, donut and waffle. Values are summed per category in data order; negative and
// missing values are left out and the figure says so; more categories than colours fold into "Other".
import { cell } from "@observablehq/plot";
import { pie as d3pie, arc as d3arc } from "d3-shape";
import { label } from "./data.js";

const SVG_NS = "http://www.w3.org/2000/svg";
export const OTHER = "Other";

/** [{label, value}] per category; at most `slots` of them, the smallest folded into "Other". */
export function partItems(ctx, slots) {
  const { rows, m } = ctx;
  const totals = new Map();
  let negative = 0;
  let missing = 0;
  for (const r of rows) {
    const key = r[m.x] === null ? "(blank)" : ctx.catLabel(r[m.x]);
    const v = m.y ? r[m.y] : 1;
    if (v === null || v === undefined) missing += 1;
    else if (v < 0) negative += 1;
    else if (v > 0) totals.set(key, (totals.get(key) ?? 0) + v);
  }
  ctx.dropped(negative, missing, m.y ? label(m.y) : "count");
  let items = [...totals].map(([lbl, value]) => ({ label: lbl, value }));
  if (!items.length) throw new Error("A pie, donut or waffle chart needs positive numbers in the value column.");
  if (items.length > slots) {
    const keep = new Set([...items].sort((a, b) => b.value - a.value).slice(0, slots - 1).map((d) => d.label));
    const rest = items.filter((d) => !keep.has(d.label));
    items = items.filter((d) => keep.has(d.label));
    items.push({ label: OTHER, value: rest.reduce((s, d) => s + d.value, 0), members: rest.length });
  }
  return items;
}

function colorsFor(ctx, items) {
  const domain = items.map((d) => d.label);
  const scale = ctx.colorScale(domain, true);
  const range = scale.range;
  if (domain.includes(OTHER)) range[domain.indexOf(OTHER)] = ctx.t.colors.muted;
  return { scale: { ...scale, range }, colorOf: (lbl) => range[domain.indexOf(lbl)] };
}

/** Pie and donut: Plot has no pie mark, so a Plot function mark draws d3-shape arcs in Plot's frame. */
function pieMark(ctx, items, donut, colorOf) {
  const total = items.reduce((s, d) => s + d.value, 0) || 1;
  const showValues = ctx.options.value_labels && ctx.options.value_labels !== "off";
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
    for (const a of arcs) {
      const path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", arcPath(a));
      path.setAttribute("fill", colorOf(a.data.label));
      path.setAttribute("stroke", ctx.t.colors.background);
      const title = document.createElementNS(SVG_NS, "title");
      const share = Math.round((a.data.value / total) * 100);
      title.textContent = `${a.data.label}: ${ctx.fmt(a.data.value)} (${share}%)`;
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
        t.textContent = showValues ? ctx.fmt(a.data.value) : `${share}%`;
        g.appendChild(t);
      }
    }
    return g;
  };
}

export function pie(ctx, opts) {
  const items = partItems(ctx, ctx.t.palette.length);
  const { scale, colorOf } = colorsFor(ctx, items);
  opts.height = Math.round(Math.min(400, Math.max(200, ctx.w * 0.6)));
  opts.color = { ...scale, legend: true };
  opts.x = { axis: null };
  opts.y = { axis: null };
  opts.marks = [pieMark(ctx, items, ctx.type === "donut", colorOf)];
  return opts;
}

/** Largest-remainder rounding: whole cells that add up to exactly `total`. */
export function apportion(values, total) {
  const sum = values.reduce((s, v) => s + v, 0) || 1;
  const exact = values.map((v) => (v / sum) * total);
  const out = exact.map(Math.floor);
  const order = exact.map((v, i) => [v - Math.floor(v), i]).sort((a, b) => b[0] - a[0]);
  const deficit = total - out.reduce((s, v) => s + v, 0);
  for (let k = 0; k < deficit; k++) out[order[k][1]] += 1;
  return out;
}

/** Waffle: 100 squares, each one percent of the whole, coloured by category in data order. */
export function waffle(ctx, opts) {
  const items = partItems(ctx, ctx.t.palette.length);
  const { scale } = colorsFor(ctx, items);
  const cells = apportion(
    items.map((d) => d.value),
    100,
  );
  const total = items.reduce((s, d) => s + d.value, 0) || 1;
  const squares = [];
  items.forEach((d, i) => {
    for (let k = 0; k < cells[i]; k++) squares.push({ label: d.label, value: d.value });
  });
  const side = Math.min(ctx.w, 420);
  opts.width = side;
  opts.height = side;
  opts.margin = 4;
  opts.x = { axis: null, domain: [...Array(10).keys()] };
  opts.y = { axis: null, domain: [...Array(10).keys()] };
  opts.color = { ...scale, legend: true };
  opts.marks = [
    cell(squares, {
      x: (_, i) => i % 10,
      y: (_, i) => Math.floor(i / 10),
      fill: "label",
      inset: 1.5,
      title: (d) => `${d.label}: ${ctx.fmt(d.value)} (${Math.round((d.value / total) * 100)}%)`,
    }),
  ];
  return opts;
}
