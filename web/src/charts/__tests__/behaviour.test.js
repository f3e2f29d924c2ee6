import { describe, expect, it } from "vitest";
import { render, renderFigure } from "../render.js";
import { loadAtlas } from "../geo.js";
import { numberFormatter } from "../format.js";
import { MONTHS, dataset, tickLabels } from "./datasets.js";

const months = dataset("months_cities");
const daily = dataset("daily_365");
const countries = dataset("countries_change");

describe("category order is the data's order", () => {
  for (const type of ["line", "multi-line", "area", "stacked-area", "scatter", "bubble", "column", "stacked-column"]) {
    it(`keeps months Jan..Dec on ${type}`, () => {
      const el = render(type, months, { x: "month", y: "Berlin" }, null, 900);
      expect(tickLabels(el)).toEqual(MONTHS);
    });
  }

  it("keeps the data's order in the bars of a bar chart", () => {
    const el = render("bar", months, { x: "month", y: "Berlin" }, null, 600);
    expect(tickLabels(el, "y-axis")).toEqual(MONTHS);
  });
});

describe("nothing dropped silently", () => {
  it("says when a pie leaves out negative values", () => {
    const el = render("pie", countries, { x: "country", y: "change" }, null, 600);
    expect(el.saNotes.join(" ")).toMatch(/Left out 7 negative values of change/);
  });

  it("shows the note under the figure", () => {
    const fig = renderFigure(
      { chart_type: "donut", data: countries, config: { mapping: { x: "country", y: "change" } } },
      600,
    );
    expect(fig.querySelector(".sa-note").textContent).toMatch(/negative/);
  });

  it("says when a bubble chart leaves out missing sizes", () => {
    const data = {
      columns: [
        { name: "x", type: "number" },
        { name: "y", type: "number" },
        { name: "size", type: "number" },
      ],
      rows: [
        { x: 1, y: 2, size: 3 },
        { x: 2, y: 3, size: null },
        { x: 3, y: 1, size: -4 },
      ],
    };
    const el = render("bubble", data, { x: "x", y: "y", size: "size" }, null, 500);
    expect(el.saNotes[0]).toMatch(/1 negative and 1 missing/);
  });

  it("groups pie categories beyond the palette into Other", () => {
    const el = render("pie", countries, { x: "country", y: "population" }, null, 600);
    const legend = [...el.querySelectorAll("[class$='-swatch']")].map((s) => s.textContent);
    expect(legend).toHaveLength(9);
    expect(legend.at(-1)).toBe("Other");
  });
});

describe("readable at any width", () => {
  it("draws a column chart of 365 dates on a time axis with few labels", () => {
    const el = render("column", daily, { x: "date", y: "visitors" }, null, 800);
    const labels = tickLabels(el);
    expect(labels.length).toBeGreaterThan(3);
    expect(labels.length).toBeLessThan(16);
    expect(el.querySelectorAll('g[aria-label="rect"] rect').length).toBe(365);
  });

  it("thins category labels at 320 px", () => {
    const el = render("column", daily, { x: "date", y: "visitors" }, null, 320);
    expect(tickLabels(el).length).toBeLessThan(8);
    const many = {
      columns: [
        { name: "name", type: "string" },
        { name: "v", type: "number" },
      ],
      rows: Array.from({ length: 40 }, (_, i) => ({ name: `Category number ${i}`, v: i })),
    };
    const bars = render("column", many, { x: "name", y: "v" }, null, 320);
    expect(tickLabels(bars).length).toBeLessThanOrEqual(20);
  });

  it("formats legend numbers like the axis (no SI milli suffix)", () => {
    const small = {
      columns: [
        { name: "a", type: "string" },
        { name: "b", type: "string" },
        { name: "v", type: "number" },
      ],
      rows: [
        { a: "x", b: "p", v: -0.0666667 },
        { a: "y", b: "q", v: 0.12 },
      ],
    };
    const el = render("heatmap", small, { x: "a", color: "b", y: "v" }, null, 500);
    expect(el.textContent).not.toMatch(/\dm\b/);
  });

  it("formats numbers with the chart's prefix, suffix, decimals and separator", () => {
    const f = numberFormatter({ prefix: "$", suffix: " bn", decimals: 1, separator: "." });
    expect(f(1234567.89)).toBe("$1.234.567,9 bn");
    expect(numberFormatter()(12345)).toBe("12.3k");
  });
});

describe("dates as people write them", () => {
  it("labels quarters as quarters", () => {
    const data = {
      columns: [
        { name: "q", type: "date", format: { unit: "quarter" } },
        { name: "v", type: "number" },
      ],
      rows: [
        { q: "2024-01", v: 1 },
        { q: "2024-04", v: 2 },
        { q: "2024-07", v: 3 },
      ],
    };
    expect(tickLabels(render("column", data, { x: "q", y: "v" }, null, 600))).toEqual(["2024-Q1", "2024-Q2", "2024-Q3"]);
  });

  it("labels month dates as months", () => {
    const data = {
      columns: [
        { name: "m", type: "date" },
        { name: "v", type: "number" },
      ],
      rows: [
        { m: "2024-01", v: 1 },
        { m: "2024-02", v: 2 },
      ],
    };
    expect(tickLabels(render("column", data, { x: "m", y: "v" }, null, 600))).toEqual(["Jan 2024", "Feb 2024"]);
  });
});

describe("new chart types", () => {
  it("stacks bars to 100%", () => {
    const el = render("stacked-bar-100", months, { x: "month" }, null, 600);
    expect(el.querySelectorAll('g[aria-label="bar"] rect').length).toBe(36);
    expect(tickLabels(el).at(-1)).toBe("100%");
  });

  it("draws one small chart per series", () => {
    const el = render("small-multiples", months, { x: "month" }, null, 900);
    expect(el.querySelectorAll('g[aria-label="line"] path').length).toBe(3);
  });

  it("draws a slope per item between two number columns", () => {
    const el = render("slope", countries, { x: "country", y: "change", y2: "population" }, null, 700);
    expect(el.querySelectorAll('g[aria-label="line"] path').length).toBe(17);
  });

  it("fills a waffle with exactly 100 squares", () => {
    const el = render("waffle", countries, { x: "country", y: "population" }, null, 400);
    expect(el.querySelectorAll('g[aria-label="cell"] rect').length).toBe(100);
  });

  it("matches countries by ISO code and reports the rows it cannot place", async () => {
    await loadAtlas("world");
    const el = render("choropleth-world", countries, { x: "iso3", y: "change" }, null, 800);
    expect(el.querySelectorAll('g[aria-label="geo"] path').length).toBeGreaterThan(100);
    expect(el.saNotes.join(" ")).toMatch(/1 row matched no country .*ATL/);
  });

  it("matches countries by name", async () => {
    await loadAtlas("world");
    const el = render("symbol-map", countries, { x: "country", y: "population" }, null, 800);
    expect(el.querySelectorAll('g[aria-label="dot"] circle').length).toBe(16);
  });

  it("matches US states by postal code and name", async () => {
    await loadAtlas("us");
    const states = {
      columns: [
        { name: "state", type: "string" },
        { name: "v", type: "number" },
      ],
      rows: [
        { state: "CA", v: 3 },
        { state: "Texas", v: 2 },
        { state: "new york", v: 1 },
      ],
    };
    const el = render("choropleth-us", states, { x: "state", y: "v" }, null, 800);
    const filled = [...el.querySelectorAll('g[aria-label="geo"]')][1].querySelectorAll("path");
    expect(filled.length).toBe(3);
    expect(el.saNotes).toEqual([]);
  });

  it("shows a placeholder until the map's atlas has loaded", () => {
    const fig = renderFigure({ chart_type: "choropleth-us", data: countries, config: {} }, 500);
    expect(fig.querySelector(".sa-chart")).not.toBeNull();
  });
});

describe("editor options reach the chart", () => {
  it("makes marks focusable with a tooltip text", () => {
    const el = render("column", months, { x: "month", y: "Berlin" }, null, 600);
    const bar = el.querySelector('g[aria-label="bar"] rect');
    expect(bar.getAttribute("tabindex")).toBe("0");
    expect(bar.getAttribute("aria-label")).toBe("Jan: 0.5");
    expect(bar.getAttribute("data-tip")).toBe("Jan: 0.5");
  });

  it("shows the tooltip on keyboard focus", () => {
    const fig = renderFigure({ chart_type: "column", data: months, config: { mapping: { x: "month", y: "Berlin" } } }, 600);
    document.body.appendChild(fig);
    fig.querySelector(".sa-mark").focus();
    expect(fig.querySelector(".sa-tooltip").style.display).toBe("block");
    expect(fig.querySelector(".sa-tooltip").textContent).toBe("Jan: 0.5");
    fig.remove();
  });

  it("draws value labels on columns", () => {
    const el = render("column", months, { x: "month", y: "Madrid" }, null, 900, { value_labels: "outside" });
    expect(el.querySelectorAll('g[aria-label="text"] text').length).toBe(12);
  });

  it("uses per-series colours and highlights one series", () => {
    const el = render("multi-line", months, { x: "month" }, null, 600, { colors: { Oslo: "#123456" }, highlight: "Oslo" });
    const strokes = [...el.querySelectorAll('g[aria-label="line"] path')].map((p) => p.getAttribute("stroke"));
    expect(strokes).toContain("#123456");
    expect(new Set(strokes).size).toBe(2);
  });

  it("applies the axis range and log scale", () => {
    const el = render("line", months, { x: "month", y: "Madrid" }, null, 600, { y_min: 0, y_max: 100 });
    expect(tickLabels(el, "y-axis").at(-1)).toBe("100");
    const log = render("line", daily, { x: "date", y: "visitors" }, null, 600, { y_scale: "log" });
    expect(log.querySelector('g[aria-label="y-axis tick label"]')).not.toBeNull();
  });

  it("draws text annotations and a highlighted range", () => {
    const el = render("line", daily, { x: "date", y: "visitors" }, null, 600, {
      annotations: [{ x: "2023-06-01", y: 1500, text: "Summer peak" }],
      highlight_range: { from: "2023-06-01", to: "2023-08-31", label: "Summer" },
    });
    expect(el.textContent).toContain("Summer peak");
    expect(el.textContent).toContain("Summer");
    expect(el.querySelector('g[aria-label="rect"] rect')).not.toBeNull();
  });

  it("gives the chart its alternative text", () => {
    const fig = renderFigure(
      { chart_type: "line", data: months, config: { mapping: { x: "month", y: "Oslo" }, options: { alt: "Oslo is below zero in winter" } } },
      600,
    );
    expect(fig.querySelector("svg").getAttribute("aria-label")).toBe("Oslo is below zero in winter");
    expect(fig.querySelector(".sa-alt").textContent).toBe("Oslo is below zero in winter");
  });
});

const GERMAN_MONTH = new Intl.DateTimeFormat("de-DE", { month: "short", timeZone: "UTC" });

describe("numbers and dates in the chart's language", () => {
  it("writes de-DE numbers with a decimal comma and dot thousands", () => {
    expect(numberFormatter(undefined, "de-DE")(1234)).toBe("1.234");
    expect(numberFormatter(undefined, "de-DE")(12.5)).toBe("12,5");
    expect(numberFormatter(undefined, "de-DE")(12345)).toBe("12,3k");
    expect(numberFormatter(undefined, "en-US")(1234)).toBe("1,234");
  });

  it("lets the axis format control override the language's marks", () => {
    expect(numberFormatter({ decimals: 1 }, "de-DE")(1234.5)).toBe("1.234,5");
    expect(numberFormatter({ separator: "," }, "de-DE")(1234)).toBe("1,234");
    expect(numberFormatter({ separator: "," }, "de-DE")(12.5)).toBe("12.5");
    expect(numberFormatter({ separator: "", decimals: 1 }, "en-US")(1234.5)).toBe("1234.5");
  });

  it("falls back to en-US for a language the browser does not know", () => {
    expect(numberFormatter(undefined, "xx-bogus-tag")(1234)).toBe("1,234");
    expect(numberFormatter(undefined, "not a tag!")(12.5)).toBe("12.5");
  });

  it("draws de-DE value ticks and month names on a time axis", () => {
    const el = render("line", daily, { x: "date", y: "visitors" }, null, 900, { locale: "de-DE" });
    const values = tickLabels(el, "y-axis");
    expect(values.some((t) => /^\d{1,3}(\.\d{3})+$/.test(t))).toBe(true);
    const times = tickLabels(el);
    expect(times).toContain("2023");
    const german = [2, 4, 9, 11].map((m) => GERMAN_MONTH.format(new Date(Date.UTC(2023, m, 1))));
    expect(times.some((t) => german.includes(t))).toBe(true);
    expect(times.join(" ")).not.toMatch(/\b(March|May|October|December)\b/);
  });

  it("names months in the chart's language on a category axis of month dates", () => {
    const data = {
      columns: [
        { name: "m", type: "date" },
        { name: "v", type: "number" },
      ],
      rows: ["2024-01-01", "2024-02-01", "2024-03-01"].map((m, i) => ({ m, v: i + 0.5 })),
    };
    const el = render("column", data, { x: "m", y: "v" }, null, 600, { locale: "de-DE" });
    expect(tickLabels(el)).toContain(`${GERMAN_MONTH.format(new Date(Date.UTC(2024, 2, 1)))} 2024`);
    expect(tickLabels(el)).not.toContain("Mar 2024");
    expect(tickLabels(el, "y-axis")).toContain("0,4");
  });

  it("reads the site's language from the chart document, the chart's own first", () => {
    const doc = { title: "", chart_type: "column", data: months, config: { mapping: { x: "month", y: "Oslo" } }, locale: "de-DE" };
    const site = renderFigure(doc, 700);
    expect(tickLabels(site, "y-axis").join(" ")).toMatch(/−\d+(,\d)?\b/);
    const own = renderFigure({ ...doc, config: { ...doc.config, options: { locale: "en-US", number_format: { decimals: 1 } } } }, 700);
    expect(tickLabels(own, "y-axis").join(" ")).toMatch(/−\d+\.0\b/);
  });
});

describe("time axis labels", () => {
  it("say the year on the first tick when the data starts mid-year", () => {
    const data = {
      columns: [
        { name: "d", type: "date" },
        { name: "v", type: "number" },
      ],
      rows: Array.from({ length: 300 }, (_, i) => ({ d: new Date(Date.UTC(2023, 4, 1) + i * 86400000).toISOString().slice(0, 10), v: i })),
    };
    const ticks = tickLabels(render("line", data, { x: "d", y: "v" }, null, 900));
    expect(ticks[0]).toMatch(/2023/);
    expect(ticks).toContain("2024");
  });
});
