// Theme builder: start from a built-in (or edit a custom theme), change fonts and colors, see it live.
import { useEffect, useMemo, useState } from "react";
import { api } from "../api.js";
import { Busy, ErrorBanner, useAction } from "../components/common.jsx";
import ChartView from "../components/ChartView.jsx";
import { resolveTheme } from "../charts/theme.js";

const SAMPLE = {
  columns: [
    { name: "quarter", type: "string" },
    { name: "north", type: "number" },
    { name: "south", type: "number" },
    { name: "east", type: "number" },
  ],
  rows: [
    { quarter: "Q1", north: 12, south: 9, east: 5 },
    { quarter: "Q2", north: 15, south: 11, east: 8 },
    { quarter: "Q3", north: 14, south: 13, east: 10 },
    { quarter: "Q4", north: 18, south: 12, east: 13 },
  ],
};
const COLOR_KEYS = ["background", "text", "muted", "grid", "axis"];

function toForm(theme) {
  const t = resolveTheme(theme);
  return {
    id: theme.builtin ? null : theme.id,
    name: theme.builtin ? `${theme.name} (custom)` : theme.name,
    base_theme: theme.builtin ? theme.id : theme.base_theme,
    fonts: { ...t.fonts },
    colors: { ...t.colors },
    palette: [...t.palette],
  };
}

export default function Themes() {
  const [themes, setThemes] = useState(null);
  const [form, setForm] = useState(null);
  const { busy, error, setError, run } = useAction();
  const load = () =>
    api("/api/themes")
      .then((ts) => {
        setThemes(ts);
        setForm((f) => f || (ts[0] ? toForm(ts[0]) : null));
      })
      .catch((e) => {
        setError(e);
        setThemes([]);
      });
  useEffect(() => {
    load();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const previews = useMemo(
    () =>
      form && [
        { title: "Sales by region", chart_type: "grouped-column", config: { mapping: { x: "quarter" }, source: "Sample data" }, data: SAMPLE, theme: form },
        { title: "Trend", chart_type: "multi-line", config: { mapping: { x: "quarter" } }, data: SAMPLE, theme: form },
      ],
    [form],
  );

  const save = () =>
    run("Saving theme…", async () => {
      const body = { name: form.name, base_theme: form.base_theme, fonts: form.fonts, colors: form.colors, palette: form.palette };
      const saved = form.id
        ? await api(`/api/themes/${form.id}`, { method: "PATCH", body })
        : await api("/api/themes", { method: "POST", body });
      setForm(toForm(saved));
      await load();
    });
  const remove = () =>
    run("Deleting theme…", async () => {
      await api(`/api/themes/${form.id}`, { method: "DELETE" });
      setForm(null);
      await load();
    });

  if (themes === null) return <Busy label="Loading themes…" />;
  const setFonts = (patch) => setForm({ ...form, fonts: { ...form.fonts, ...patch } });
  return (
    <div className="page themes" data-testid="themes">
      <aside className="sidebar">
        <h3>Start from</h3>
        <ul className="folders">
          {themes.map((t) => (
            <li key={t.id}>
              <button className="link" onClick={() => setForm(toForm(t))} data-testid={`theme-${t.id}`}>
                {t.name}
                {t.builtin ? "" : " (custom)"}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <section className="content">
        <h1>Theme builder</h1>
        {busy && <Busy label={busy} />}
        <ErrorBanner error={error} onClose={() => setError(null)} />
        {!form ? (
          <p className="empty">Pick a theme on the left to start.</p>
        ) : (
          <div className="editor-grid">
            <div className="panel">
              <label>
                Name
                <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} data-testid="theme-name" />
              </label>
              <label>
                Font family
                <input value={form.fonts.family} onChange={(e) => setFonts({ family: e.target.value })} data-testid="theme-font" />
              </label>
              <div className="inline">
                <label>
                  Title size
                  <input type="number" min={8} max={48} value={form.fonts.title_size} onChange={(e) => setFonts({ title_size: Number(e.target.value) })} />
                </label>
                <label>
                  Body size
                  <input type="number" min={8} max={32} value={form.fonts.body_size} onChange={(e) => setFonts({ body_size: Number(e.target.value) })} />
                </label>
              </div>
              <h3>Colors</h3>
              <div className="colors">
                {COLOR_KEYS.map((k) => (
                  <label key={k}>
                    {k}
                    <input type="color" value={form.colors[k]} onChange={(e) => setForm({ ...form, colors: { ...form.colors, [k]: e.target.value } })} data-testid={`theme-color-${k}`} />
                  </label>
                ))}
              </div>
              <h3>Palette</h3>
              <div className="colors">
                {form.palette.map((c, i) => (
                  <input
                    key={i}
                    type="color"
                    value={c}
                    aria-label={`Palette color ${i + 1}`}
                    onChange={(e) => setForm({ ...form, palette: form.palette.map((p, j) => (j === i ? e.target.value : p)) })}
                  />
                ))}
              </div>
              <div className="actions">
                <button className="primary" onClick={save} data-testid="theme-save">
                  {form.id ? "Save theme" : "Save as new theme"}
                </button>
                {form.id && (
                  <button className="danger" onClick={remove}>
                    Delete
                  </button>
                )}
              </div>
            </div>
            <div className="panel" data-testid="theme-preview">
              {previews.map((p) => (
                <ChartView key={p.chart_type} chart={p} testId="theme-preview-chart" />
              ))}
            </div>
          </div>
        )}
      </section>
    </div>
  );
}
