// How numbers and categories read on axes, legends, tooltips and value labels: one formatter per chart,
// so a legend never says "-66.6667m" while the axis says "-67".

const SUFFIXES = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "k"],
];

// One Intl.NumberFormat per number of decimals: toLocaleString with options builds a new one on every
// call, which made formatting a 1,000-point chart's tooltips most of its drawing time.
const GROUPED = new Map();

function grouped(decimals) {
  let format = GROUPED.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat("en-US", { maximumFractionDigits: decimals });
    GROUPED.set(decimals, format);
  }
  return format;
}

function trimmed(value, decimals) {
  return Number(value.toFixed(decimals)).toString();
}

/** 1234 -> "1,234", 12345 -> "12.3k", 0.000123 -> "0.00012": short, without SI milli/micro suffixes. */
export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(+value)) return "";
  const v = +value;
  const abs = Math.abs(v);
  if (abs >= 1e4) {
    for (const [size, suffix] of SUFFIXES) {
      if (abs >= size) return `${trimmed(v / size, abs / size >= 100 ? 0 : 1)}${suffix}`;
    }
  }
  if (abs === 0) return "0";
  const decimals = abs >= 100 ? 0 : abs >= 1 ? 2 : Math.min(6, 1 - Math.floor(Math.log10(abs)));
  return grouped(decimals).format(Number(v.toFixed(decimals)));
}

/**
 * The chart's number formatter from the editor's options: {prefix, suffix, decimals, separator}.
 * Without options: formatNumber. `separator` is "," (1,234), "." (1.234), " " (1 234) or "" (1234).
 */
export function numberFormatter(format) {
  const f = format || {};
  const custom = f.decimals !== undefined && f.decimals !== null && f.decimals !== "";
  const prefix = f.prefix || "";
  const suffix = f.suffix || "";
  const separator = f.separator ?? ",";
  return (value) => {
    if (value === null || value === undefined || Number.isNaN(+value)) return "";
    let body;
    if (custom) {
      const decimals = Math.max(0, Math.min(10, Number(f.decimals) || 0));
      const [int, frac] = Math.abs(+value).toFixed(decimals).split(".");
      const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
      const point = separator === "." ? "," : ".";
      body = `${+value < 0 ? "−" : ""}${grouped}${frac ? point + frac : ""}`;
    } else {
      body = formatNumber(value).replace(/^-/, "−");
    }
    return `${prefix}${body}${suffix}`;
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A date as people read it at the data's own precision: 2024, Mar 2024, or 2024-03-05. */
export function dateLabel(value, precision = "day") {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  if (precision === "year") return String(d.getUTCFullYear());
  if (precision === "quarter") return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
  if (precision === "month") return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  return d.toISOString().slice(0, 10);
}

/** Categories are labels, not quantities: a year 2020 reads "2020", not "2,020". */
export function categoryLabel(value) {
  if (value == null) return "";
  return value instanceof Date ? dateLabel(value, datePrecision([value])) : String(value);
}

/** "year", "month" or "day": the coarsest unit every date in the list falls on. */
export function datePrecision(dates) {
  let precision = "year";
  for (const d of dates) {
    if (!(d instanceof Date)) continue;
    if (d.getUTCDate() !== 1 || d.getUTCHours() || d.getUTCMinutes()) return "day";
    if (d.getUTCMonth() !== 0) precision = "month";
  }
  return precision;
}
