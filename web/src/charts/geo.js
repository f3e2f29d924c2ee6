// Maps: world and US choropleths and the symbol map. The TopoJSON ships as separate chunks loaded the
// first time a map is drawn (and cached), so the app and embed bundles stay small; until then the
// chart shows a placeholder that is swapped for the map when it arrives.
import { dot, geo, geoCentroid } from "@observablehq/plot";
import { label } from "./data.js";

// Postal code -> FIPS code of the 50 states, DC and the territories in us-atlas.
export const US_STATES = {
  AL: "01", AK: "02", AZ: "04", AR: "05", CA: "06", CO: "08", CT: "09", DE: "10", DC: "11", FL: "12",
  GA: "13", HI: "15", ID: "16", IL: "17", IN: "18", IA: "19", KS: "20", KY: "21", LA: "22", ME: "23",
  MD: "24", MA: "25", MI: "26", MN: "27", MS: "28", MO: "29", MT: "30", NE: "31", NV: "32", NH: "33",
  NJ: "34", NM: "35", NY: "36", NC: "37", ND: "38", OH: "39", OK: "40", OR: "41", PA: "42", RI: "44",
  SC: "45", SD: "46", TN: "47", TX: "48", UT: "49", VT: "50", VA: "51", WA: "53", WV: "54", WI: "55",
  WY: "56", AS: "60", GU: "66", MP: "69", PR: "72", VI: "78",
};

/** The key names and codes are matched on: case, accents, punctuation and "the" ignored. */
export function lookupKey(value) {
  if (value === null || value === undefined) return "";
  return String(value)
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/^the\s+/, "")
    .replace(/[^a-z0-9]+/g, "");
}

const loaders = {
  world: () => import("./atlas-world.js"),
  us: () => import("./atlas-us.js"),
};
const loaded = {};
const pending = {};

/** The atlas ("world" or "us"), loading it once. */
export function loadAtlas(kind) {
  pending[kind] ??= loaders[kind]().then((m) => (loaded[kind] = m.build(lookupKey, US_STATES)));
  return pending[kind];
}

export const MAP_TYPES = ["choropleth-world", "choropleth-us", "symbol-map"];

const LAT = /^(lat|latitude)$/i;
const LON = /^(lon|lng|long|longitude)$/i;

/** Which atlas a chart needs: US when its places read as US states, else the world. */
export function atlasKind(type, rows, m) {
  if (type === "choropleth-us") return "us";
  if (type === "choropleth-world") return "world";
  const states = new Set(Object.keys(US_STATES).map(lookupKey));
  const names = rows.slice(0, 50).map((r) => lookupKey(r[m.x])).filter(Boolean);
  const known = /^(alabama|alaska|arizona|california|texas|newyork|florida|ohio|georgia|washington)$/;
  const hits = names.filter((n) => states.has(n) || known.test(n)).length;
  return names.length && hits / names.length > 0.6 ? "us" : "world";
}

export function atlasIfLoaded(kind) {
  return loaded[kind] ?? null;
}

/** Values per matched feature, and the rows that matched nothing (reported under the chart). */
function match(ctx, atlas) {
  const { rows, m } = ctx;
  const values = new Map();
  const unmatched = [];
  for (const r of rows) {
    const name = r[m.x];
    if (name === null) continue;
    const f = atlas.index.get(lookupKey(name));
    if (!f) {
      unmatched.push(String(name));
      continue;
    }
    const v = m.y ? r[m.y] : 1;
    if (v === null) continue;
    values.set(f, (values.get(f) ?? 0) + v);
  }
  if (unmatched.length) {
    const shown = [...new Set(unmatched)].slice(0, 5).join(", ");
    const more = unmatched.length > 5 ? ` and ${unmatched.length - 5} more` : "";
    ctx.notes.push(`${unmatched.length} row${unmatched.length > 1 ? "s" : ""} matched no ${atlas.noun} and ${unmatched.length > 1 ? "are" : "is"} not on the map: ${shown}${more}.`);
  }
  return values;
}

export function map(ctx, opts, atlas) {
  const { m, t } = ctx;
  const values = match(ctx, atlas);
  opts.projection = atlas.projection;
  opts.height = Math.round(ctx.w * atlas.aspect);
  opts.margin = 4;
  const base = geo(atlas.features, { fill: t.colors.grid, stroke: t.colors.background, strokeWidth: 0.5 });
  const name = (f) => f.properties.name;
  if (ctx.type === "symbol-map") {
    const lat = ctx.columns.find((c) => LAT.test(c.name))?.name;
    const lon = ctx.columns.find((c) => LON.test(c.name))?.name;
    const maxR = Math.max(6, Math.min(30, ctx.w / 30));
    opts.r = { range: [0, maxR] };
    if (lat && lon) {
      const pts = ctx.rows.filter((r) => r[lat] !== null && r[lon] !== null);
      opts.marks = [
        base,
        dot(pts, { x: lon, y: lat, r: m.y ?? 4, fill: ctx.accent, fillOpacity: 0.6, stroke: t.colors.background, title: (d) => `${ctx.catLabel(d[m.x])}: ${ctx.fmt(d[m.y])}` }),
      ];
      return opts;
    }
    const items = [...values].filter(([, v]) => v > 0).map(([f, v]) => ({ ...f, value: v }));
    opts.marks = [
      base,
      dot(items, geoCentroid({ r: "value", fill: ctx.accent, fillOpacity: 0.6, stroke: t.colors.background, title: (d) => `${name(d)}: ${ctx.fmt(d.value)}` })),
    ];
    return opts;
  }
  const data = atlas.features.filter((f) => values.has(f));
  opts.color = { ...ctx.sequential(m.y ? label(m.y) : "Count", [...values.values()]), legend: true };
  opts.marks = [
    base,
    geo(data, { fill: (f) => values.get(f), stroke: t.colors.background, strokeWidth: 0.5, title: (f) => `${name(f)}: ${ctx.fmt(values.get(f))}` }),
  ];
  return opts;
}
