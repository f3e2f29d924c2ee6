// How numbers and categories read on axes, legends, tooltips and value labels: one formatter per chart,
// so a legend never says "-66.6667m" while the axis says "-67".

const SUFFIXES = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "k"],
];

const DEFAULT_LOCALE = "en-US";
const marksCache = new Map();
const localeCache = new Map();
// One Intl.NumberFormat per (locale, decimals): toLocaleString with options builds a new one on every
// call, which made formatting a 1,000-point chart's tooltips most of its drawing time.
const groupedCache = new Map();
const monthCache = new Map();

/** A language tag the browser knows ("de-DE"), else en-US: a bad setting never breaks a chart. */
export function chartLocale(locale) {
  const asked = locale || "";
  if (!localeCache.has(asked)) {
    let known = DEFAULT_LOCALE;
    try {
      known = Intl.NumberFormat.supportedLocalesOf(locale || []).length ? locale : DEFAULT_LOCALE;
    } catch {
      known = DEFAULT_LOCALE;
    }
    localeCache.set(asked, known);
  }
  return localeCache.get(asked);
}

function grouped(locale, decimals) {
  const key = `${chartLocale(locale)}|${decimals}`;
  if (!groupedCache.has(key)) {
    groupedCache.set(key, new Intl.NumberFormat(chartLocale(locale), { maximumFractionDigits: decimals }));
  }
  return groupedCache.get(key);
}

/** The decimal and thousands marks of a locale: de-DE -> { decimal: ",", group: "." }. */
export function localeMarks(locale = DEFAULT_LOCALE) {
  const key = chartLocale(locale);
  if (!marksCache.has(key)) {
    const parts = new Intl.NumberFormat(key).formatToParts(12345.6);
    const mark = (type, fallback) => parts.find((p) => p.type === type)?.value ?? fallback;
    marksCache.set(key, { decimal: mark("decimal", "."), group: mark("group", ",") });
  }
  return marksCache.get(key);
}

function trimmed(value, decimals, locale) {
  return Number(value.toFixed(decimals)).toString().replace(".", localeMarks(locale).decimal);
}

/** 1234 -> "1,234", 12345 -> "12.3k", 0.000123 -> "0.00012" (en-US; de-DE: "1.234", "12,3k"): short,
 * without SI milli/micro suffixes, with the locale's decimal and thousands marks. */
export function formatNumber(value, locale = DEFAULT_LOCALE) {
  if (value === null || value === undefined || Number.isNaN(+value)) return "";
  const v = +value;
  const abs = Math.abs(v);
  if (abs >= 1e4) {
    for (const [size, suffix] of SUFFIXES) {
      if (abs >= size) return `${trimmed(v / size, abs / size >= 100 ? 0 : 1, locale)}${suffix}`;
    }
  }
  if (abs === 0) return "0";
  const decimals = abs >= 100 ? 0 : abs >= 1 ? 2 : Math.min(6, 1 - Math.floor(Math.log10(abs)));
  return grouped(locale, decimals).format(Number(v.toFixed(decimals)));
}

/**
 * The chart's number formatter from the editor's options: {prefix, suffix, decimals, separator}, in the
 * chart's locale. Without options: formatNumber. `separator` is "," (1,234), "." (1.234), " " (1 234),
 * "" (1234), or unset: the locale's own.
 */
export function numberFormatter(format, locale = DEFAULT_LOCALE) {
  const f = format || {};
  const custom = f.decimals !== undefined && f.decimals !== null && f.decimals !== "";
  const prefix = f.prefix || "";
  const suffix = f.suffix || "";
  const marks = localeMarks(locale);
  const separator = f.separator ?? marks.group;
  const point = separator === "." ? "," : separator === "," ? "." : marks.decimal;
  return (value) => {
    if (value === null || value === undefined || Number.isNaN(+value)) return "";
    let body;
    if (custom) {
      const decimals = Math.max(0, Math.min(10, Number(f.decimals) || 0));
      const [int, frac] = Math.abs(+value).toFixed(decimals).split(".");
      const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
      body = `${+value < 0 ? "−" : ""}${grouped}${frac ? point + frac : ""}`;
    } else {
      body = formatNumber(value, locale).replace(/^-/, "−");
      if (f.separator !== undefined && f.separator !== null && f.separator !== marks.group) {
        // The user's thousands mark over the locale's (and the decimal mark that goes with it).
        body = body.replace(/[^\d−kMBT]/g, (c) => (c === marks.decimal ? point : separator));
      }
    }
    return `${prefix}${body}${suffix}`;
  };
}

function monthName(d, locale) {
  const key = chartLocale(locale);
  if (!monthCache.has(key)) monthCache.set(key, new Intl.DateTimeFormat(key, { month: "short", timeZone: "UTC" }));
  return monthCache.get(key).format(d);
}

/** A date as people read it at the data's own precision: 2024, Mar 2024 (de-DE: März 2024), or 2024-03-05. */
export function dateLabel(value, precision = "day", locale = DEFAULT_LOCALE) {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  if (precision === "year") return String(d.getUTCFullYear());
  if (precision === "quarter") return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
  if (precision === "month") return `${monthName(d, locale)} ${d.getUTCFullYear()}`;
  return d.toISOString().slice(0, 10);
}

/** Tick labels of a time axis in the chart's language: the year at a new year, the month name on the
 * first of a month, else day and month (de-DE: "5. März"); the first tick also says the year. */
export function timeTickFormat(locale = DEFAULT_LOCALE) {
  const dayMonth = new Intl.DateTimeFormat(chartLocale(locale), { day: "numeric", month: "short", timeZone: "UTC" });
  return (value, index) => {
    const d = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(d.getTime())) return "";
    const year = index === 0 ? ` ${d.getUTCFullYear()}` : "";
    if (d.getUTCDate() !== 1 || d.getUTCHours()) return `${dayMonth.format(d)}${year}`;
    return d.getUTCMonth() === 0 ? String(d.getUTCFullYear()) : `${monthName(d, locale)}${year}`;
  };
}

/** Categories are labels, not quantities: a year 2020 reads "2020", not "2,020". */
export function categoryLabel(value, locale = DEFAULT_LOCALE) {
  if (value == null) return "";
  return value instanceof Date ? dateLabel(value, datePrecision([value]), locale) : String(value);
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
