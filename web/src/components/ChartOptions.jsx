// The editor's chart options: value labels, series colours and highlight, the value axis (range, scale,
// number format), annotations, a highlighted range and the alternative text. All live in config.options
// and the shared renderer reads them, so the editor, embed and exports show the same chart.
import { isDimensionName } from "../charts/types.js";

const AS_LANGUAGE = "language";
const SEPARATORS = [
  { value: AS_LANGUAGE, label: "As the language" },
  { value: ",", label: "1,234.5" },
  { value: ".", label: "1.234,5" },
  { value: " ", label: "1 234.5" },
  { value: "", label: "1234.5" },
];

/** The series a chart shows: values of the color column, or the number columns folded into series. */
export function seriesOf(data, mapping) {
  if (!data?.columns) return [];
  if (mapping.color) {
    const seen = [];
    for (const r of data.rows || []) {
      const v = r[mapping.color];
      if (v !== null && v !== undefined && !seen.includes(String(v))) seen.push(String(v));
      if (seen.length >= 20) break;
    }
    return seen;
  }
  return data.columns
    .filter((c) => c.type === "number" && c.name !== mapping.x && !isDimensionName(c.name))
    .map((c) => c.name);
}

// Languages offered for a chart's numbers and dates (any tag the browser knows works through the API).
const LOCALES = [
  ["en-US", "English (US): 1,234.5 · Mar"],
  ["en-GB", "English (UK): 1,234.5 · Mar"],
  ["de-DE", "Deutsch: 1.234,5 · März"],
  ["fr-FR", "Français: 1 234,5 · mars"],
  ["es-ES", "Español: 1234,5 · mar"],
  ["it-IT", "Italiano: 1.234,5 · mar"],
  ["nl-NL", "Nederlands: 1.234,5 · mrt"],
  ["pt-BR", "Português: 1.234,5 · mar"],
  ["sv-SE", "Svenska: 1 234,5 · mars"],
  ["pl-PL", "Polski: 1234,5 · mar"],
  ["ja-JP", "日本語: 1,234.5 · 3月"],
];

function Field({ label, children, hint }) {
  return (
    <label>
      {label}
      {children}
      {hint && <span className="muted small">{hint}</span>}
    </label>
  );
}

export default function ChartOptions({ options, onChange, data, mapping, palette, siteLocale = "en-US" }) {
  const set = (patch) => onChange({ ...options, ...patch });
  const format = options.number_format || {};
  const setFormat = (patch) => set({ number_format: { ...format, ...patch } });
  const series = seriesOf(data, mapping);
  const colors = options.colors || {};
  const notes = options.annotations || [];
  const range = options.highlight_range || {};
  const setNote = (i, patch) => set({ annotations: notes.map((n, k) => (k === i ? { ...n, ...patch } : n)) });
  return (
    <div className="chart-options" data-testid="chart-options">
      <h3>5. Labels and colours</h3>
      <Field label="Value labels">
        <select value={options.value_labels || "off"} onChange={(e) => set({ value_labels: e.target.value })} data-testid="opt-value-labels">
          <option value="off">Off</option>
          <option value="outside">Outside the bars</option>
          <option value="inside">Inside the bars</option>
        </select>
      </Field>
      {series.length > 0 && (
        <fieldset className="series-colors">
          <legend>Series colours</legend>
          {series.map((s, i) => (
            <label key={s} className="inline">
              <input
                type="color"
                value={colors[s] || palette[i % palette.length] || "#4e79a7"}
                onChange={(e) => set({ colors: { ...colors, [s]: e.target.value } })}
                aria-label={`Colour of ${s}`}
                data-testid={`opt-color-${s}`}
              />
              {s}
            </label>
          ))}
          <Field label="Highlight one series">
            <select value={options.highlight || ""} onChange={(e) => set({ highlight: e.target.value || null })} data-testid="opt-highlight">
              <option value="">(none: all in colour)</option>
              {series.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </Field>
          <button className="link" onClick={() => set({ colors: {}, highlight: null })}>
            Reset to the theme's palette
          </button>
        </fieldset>
      )}

      <h3>6. Value axis</h3>
      <div className="inline">
        <Field label="From">
          <input type="number" value={options.y_min ?? ""} onChange={(e) => set({ y_min: e.target.value })} data-testid="opt-y-min" />
        </Field>
        <Field label="To">
          <input type="number" value={options.y_max ?? ""} onChange={(e) => set({ y_max: e.target.value })} data-testid="opt-y-max" />
        </Field>
        <Field label="Scale">
          <select value={options.y_scale || "linear"} onChange={(e) => set({ y_scale: e.target.value })} data-testid="opt-y-scale">
            <option value="linear">Linear</option>
            <option value="log">Logarithmic</option>
          </select>
        </Field>
      </div>
      <div className="inline">
        <Field label="Prefix">
          <input value={format.prefix || ""} onChange={(e) => setFormat({ prefix: e.target.value })} size={4} data-testid="opt-prefix" />
        </Field>
        <Field label="Suffix">
          <input value={format.suffix || ""} onChange={(e) => setFormat({ suffix: e.target.value })} size={4} data-testid="opt-suffix" />
        </Field>
        <Field label="Decimals">
          <select value={format.decimals ?? ""} onChange={(e) => setFormat({ decimals: e.target.value })} data-testid="opt-decimals">
            <option value="">Automatic (12.3k)</option>
            {[0, 1, 2, 3].map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Thousands">
          <select
            value={format.separator ?? AS_LANGUAGE}
            onChange={(e) => setFormat({ separator: e.target.value === AS_LANGUAGE ? undefined : e.target.value })}
            data-testid="opt-separator"
          >
            {SEPARATORS.map((s) => (
              <option key={s.label} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </Field>
      </div>

      <Field label="Numbers and dates in" hint="Tick labels, legends, tooltips and exports follow it.">
        <select value={options.locale || ""} onChange={(e) => set({ locale: e.target.value || undefined })} data-testid="opt-locale">
          <option value="">The site's language ({siteLocale})</option>
          {LOCALES.map(([tag, name]) => (
            <option key={tag} value={tag}>
              {name}
            </option>
          ))}
        </select>
      </Field>

      <h3>7. Annotations</h3>
      {notes.map((n, i) => (
        <div className="inline annotation" key={i}>
          <input value={n.x ?? ""} onChange={(e) => setNote(i, { x: e.target.value })} placeholder="At X (e.g. Mar or 2024-03-01)" aria-label="Annotation X" data-testid={`opt-note-x-${i}`} />
          <input value={n.y ?? ""} onChange={(e) => setNote(i, { y: e.target.value })} placeholder="Y value" aria-label="Annotation Y" size={6} data-testid={`opt-note-y-${i}`} />
          <input value={n.text ?? ""} onChange={(e) => setNote(i, { text: e.target.value })} placeholder="Text" aria-label="Annotation text" data-testid={`opt-note-text-${i}`} />
          <button className="link" onClick={() => set({ annotations: notes.filter((_, k) => k !== i) })} aria-label="Remove annotation">
            Remove
          </button>
        </div>
      ))}
      <button onClick={() => set({ annotations: [...notes, { x: "", y: "", text: "" }] })} data-testid="opt-add-note">
        Add a text annotation
      </button>
      <div className="inline">
        <Field label="Highlight from">
          <input value={range.from ?? ""} onChange={(e) => set({ highlight_range: { ...range, from: e.target.value } })} data-testid="opt-range-from" />
        </Field>
        <Field label="to">
          <input value={range.to ?? ""} onChange={(e) => set({ highlight_range: { ...range, to: e.target.value } })} data-testid="opt-range-to" />
        </Field>
        <Field label="Label">
          <input value={range.label ?? ""} onChange={(e) => set({ highlight_range: { ...range, label: e.target.value } })} data-testid="opt-range-label" />
        </Field>
      </div>

      <h3>8. Accessibility</h3>
      <Field label="Alternative text" hint="Read by screen readers in the embed and exports: say what the chart shows.">
        <textarea rows={2} value={options.alt || ""} onChange={(e) => set({ alt: e.target.value })} data-testid="opt-alt" />
      </Field>
    </div>
  );
}
