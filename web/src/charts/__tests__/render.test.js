import { describe, expect, it } from "vitest";
import { render, renderFigure } from "../render.js";
import { loadAtlas } from "../geo.js";
import { CHART_TYPE_IDS } from "../types.js";

const data = {
  columns: [
    { name: "country", type: "string" },
    { name: "year", type: "number" },
    { name: "sales", type: "number" },
    { name: "profit", type: "number" },
  ],
  rows: [
    { country: "France", year: 2020, sales: 120, profit: 30 },
    { country: "Germany", year: 2021, sales: 150, profit: 42 },
    { country: "Italy", year: 2022, sales: 90, profit: 12 },
    { country: "Spain", year: 2023, sales: 110, profit: 25 },
  ],
};
const mapping = { x: "country", y: "sales" };
const MARK_SELECTOR = "rect, path, circle, line, td";

describe("render", () => {
  it("offers at least twenty-five chart types", () => {
    expect(CHART_TYPE_IDS.length).toBeGreaterThanOrEqual(25);
  });

  for (const type of CHART_TYPE_IDS) {
    it(`draws marks for ${type}`, async () => {
      await Promise.all([loadAtlas("world"), loadAtlas("us")]);
      const el = render(type, data, mapping, null, 640);
      const marks = el.querySelectorAll(MARK_SELECTOR);
      expect(marks.length).toBeGreaterThan(0);
      if (type === "table") {
        expect(el.querySelectorAll("tbody tr")).toHaveLength(4);
      } else {
        expect(el.querySelector("svg")  ?? (el.tagName.toLowerCase() === "svg" ? el : null)).not.toBeNull();
      }
    });
  }

  it("labels numeric categories as written, without thousands separators", () => {
    const el = render("heatmap", data, { x: "country", y: "sales", color: "year" }, null, 640);
    const labels = [...el.querySelectorAll("text")].map((node) => node.textContent);
    expect(labels).toContain("2020");
    expect(labels).not.toContain("2,020");
  });

  it("draws one slice per category for pie", () => {
    const el = render("pie", data, mapping, null, 640);
    expect(el.querySelectorAll('g[aria-label="pie"] path')).toHaveLength(4);
  });

  it("folds number columns into series for multi-line", () => {
    const el = render("multi-line", data, { x: "year", y: "sales" }, null, 640);
    expect(el.querySelectorAll('g[aria-label="line"] path').length).toBe(2);
  });

  it("uses the color column for stacked bars", () => {
    const long = {
      columns: [
        { name: "region", type: "string" },
        { name: "kind", type: "string" },
        { name: "value", type: "number" },
      ],
      rows: [
        { region: "North", kind: "A", value: "1" },
        { region: "North", kind: "B", value: "2" },
        { region: "South", kind: "A", value: "3" },
      ],
    };
    const el = render("stacked-bar", long, { x: "region", y: "value", color: "kind" }, null, 500);
    expect(el.querySelectorAll('g[aria-label="bar"] rect')).toHaveLength(3);
  });

  it("rejects an unknown type with a readable message", () => {
    expect(() => render("sankey", data, mapping, null, 640)).toThrow(/Unknown chart type/);
  });

  it("shows a message instead of a chart when there is no data", () => {
    const fig = renderFigure({ title: "T", chart_type: "bar", data: null, config: {} }, 400);
    expect(fig.querySelector(".sa-chart-error").textContent).toMatch(/no data/);
  });
});

describe("guessMapping", () => {
  it("takes a value column, not a year, for y", async () => {
    const { guessMapping } = await import("../types.js");
    expect(guessMapping(data.columns)).toMatchObject({ x: "country", y: "sales" });
  });
});
