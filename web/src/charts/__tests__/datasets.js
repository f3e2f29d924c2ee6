// The four chart test datasets (tests/data/charts/*.csv) as the API returns them: {columns, rows}.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const DIR = resolve(import.meta.dirname, "../../../../tests/data/charts");

function typeOf(values) {
  const present = values.filter((v) => v !== "");
  if (present.every((v) => /^-?\d+(\.\d+)?$/.test(v))) return "number";
  if (present.every((v) => /^\d{4}-\d{2}(-\d{2})?$/.test(v))) return "date";
  return "string";
}

export function dataset(name) {
  const [head, ...lines] = readFileSync(`${DIR}/${name}.csv`, "utf8").trim().split("\n");
  const names = head.split(",");
  const cells = lines.map((l) => l.split(","));
  const columns = names.map((n, i) => ({ name: n, type: typeOf(cells.map((c) => c[i])) }));
  const rows = cells.map((c) =>
    Object.fromEntries(columns.map((col, i) => [col.name, col.type === "number" ? Number(c[i]) : c[i]])),
  );
  return { columns, rows };
}

export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Text of the tick labels of one axis ("x-axis", "y-axis", "fx-axis"...). */
export function tickLabels(el, axis = "x-axis") {
  return [...el.querySelectorAll(`g[aria-label="${axis} tick label"] text`)].map((t) => t.textContent);
}
