// The chart types the app offers, with what each one reads from the column mapping.
// Kept free of Plot imports so the editor can list types without pulling the renderer.

export const CHART_TYPES = [
  { id: "bar", label: "Bar" },
  { id: "stacked-bar", label: "Stacked bar" },
  { id: "stacked-bar-100", label: "100% stacked bar" },
  { id: "grouped-bar", label: "Grouped bar" },
  { id: "column", label: "Column" },
  { id: "stacked-column", label: "Stacked column" },
  { id: "grouped-column", label: "Grouped column" },
  { id: "line", label: "Line" },
  { id: "multi-line", label: "Multi-line" },
  { id: "area", label: "Area" },
  { id: "stacked-area", label: "Stacked area" },
  { id: "small-multiples", label: "Small multiples" },
  { id: "slope", label: "Slope" },
  { id: "scatter", label: "Scatter" },
  { id: "bubble", label: "Bubble" },
  { id: "dot-plot", label: "Dot plot" },
  { id: "range-plot", label: "Range plot" },
  { id: "arrow-plot", label: "Arrow plot" },
  { id: "pie", label: "Pie" },
  { id: "donut", label: "Donut" },
  { id: "waffle", label: "Waffle" },
  { id: "histogram", label: "Histogram" },
  { id: "heatmap", label: "Heatmap" },
  { id: "choropleth-world", label: "World map" },
  { id: "choropleth-us", label: "US states map" },
  { id: "symbol-map", label: "Symbol map" },
  { id: "table", label: "Table" },
];

export const CHART_TYPE_IDS = CHART_TYPES.map((t) => t.id);

// Mapping slots shown in the editor. "y2" is an optional extra used by range and arrow plots.
export const MAPPING_SLOTS = [
  { key: "x", label: "X / category" },
  { key: "y", label: "Y / value" },
  { key: "y2", label: "Second value (range, arrow)" },
  { key: "color", label: "Color / series" },
  { key: "size", label: "Size" },
  { key: "facet", label: "Facet" },
];

/** Number columns that name a time or an id (year, month, id...) are labels, not values to plot. */
export function isDimensionName(name) {
  return /^(year|yr|month|day|week|quarter|period|date|id)$|_(id|year)$/i.test(String(name).trim());
}

/** A sensible default mapping from inferred column types: first non-number as x, first value as y. */
export function guessMapping(columns) {
  const numbers = columns.filter((c) => c.type === "number" && !isDimensionName(c.name)).map((c) => c.name);
  const others = columns.filter((c) => c.type !== "number").map((c) => c.name);
  const x = others[0] ?? columns[0]?.name ?? null;
  const y = numbers.find((n) => n !== x) ?? null;
  return { x, y, y2: null, color: null, size: null, facet: null };
}
