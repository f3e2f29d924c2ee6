// Typed rows from the API's {columns, rows} and the reshaping the chart families share.
import { isDimensionName } from "./types.js";

export const SERIES = "__series";
export const VALUE = "__value";

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

/** Distinct values in order of first appearance (the data's order, never sorted). */
export function uniq(values) {
  const seen = new Map();
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const key = v instanceof Date ? v.getTime() : v;
    if (!seen.has(key)) seen.set(key, v);
  }
  return [...seen.values()];
}

export function label(name) {
  if (name === SERIES) return "Series";
  if (name === VALUE) return "Value";
  return name;
}

export function columnType(columns, name) {
  return columns.find((c) => c.name === name)?.type ?? null;
}

export function numericColumns(columns, exclude) {
  return columns.filter((c) => c.type === "number" && !exclude.includes(c.name)).map((c) => c.name);
}

/** Long form for series charts: use the color column, or fold several number columns into series. */
export function toSeries(rows, columns, m) {
  if (m.color) return { rows, y: m.y, color: m.color };
  const nums = numericColumns(columns, [m.x, m.size, m.facet]).filter((n) => n === m.y || !isDimensionName(n));
  if (nums.length > 1) {
    const long = rows.flatMap((r) => nums.map((n) => ({ ...r, [SERIES]: n, [VALUE]: r[n] })));
    return { rows: long, y: VALUE, color: SERIES };
  }
  return { rows, y: m.y, color: null };
}

function keyOf(v) {
  return v instanceof Date ? v.getTime() : v;
}

/**
 * Sums y (or counts rows when y is null) per x and optional series, in order of first appearance.
 * Returns [{x, series, value}] so every bar has one row that tooltips and value labels can read.
 */
export function aggregate(rows, x, y, series = null) {
  const out = new Map();
  for (const r of rows) {
    if (r[x] === null || r[x] === undefined) continue;
    const s = series ? r[series] : null;
    const k = `${typeof r[x]}:${keyOf(r[x])}\u0000${s}`;
    const v = y ? r[y] : 1;
    if (v === null || v === undefined) continue;
    const cur = out.get(k);
    if (cur) cur.value += v;
    else out.set(k, { x: r[x], series: s, value: v });
  }
  return [...out.values()];
}

/** Rows in order of their x by position in `order` (first appearance), stable otherwise. */
export function inOrder(rows, x, order) {
  const pos = new Map(order.map((v, i) => [keyOf(v), i]));
  return rows
    .map((r, i) => [r, i])
    .sort((a, b) => (pos.get(keyOf(a[0][x])) ?? 1e9) - (pos.get(keyOf(b[0][x])) ?? 1e9) || a[1] - b[1])
    .map(([r]) => r);
}

/** Rows sorted by a continuous x (numbers, dates), blanks last. */
export function sortedBy(rows, key) {
  return [...rows].sort((a, b) => {
    const va = a[key];
    const vb = b[key];
    if (va === vb) return 0;
    if (va === null) return 1;
    if (vb === null) return -1;
    return va < vb ? -1 : 1;
  });
}
