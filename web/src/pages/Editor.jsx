// Chart editor: data (paste/upload), type, mapping, text, theme, live preview, history, save, publish, export.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, downloadBlob } from "../api.js";
import { Link, navigate } from "../router.jsx";
import { Busy, ErrorBanner, useAction } from "../components/common.jsx";
import ChartView from "../components/ChartView.jsx";
import { CHART_TYPES, MAPPING_SLOTS, guessMapping } from "../charts/types.js";
import { figureToPng, figureToSvg } from "../exportPng.js";
import { uploadCsv } from "../uploadCsv.js";
import PublishDialog from "../components/PublishDialog.jsx";
import ChartOptions from "../components/ChartOptions.jsx";
import { resolveTheme } from "../charts/theme.js";
import { useSiteLocale } from "../siteLocale.js";

const UNTITLED = "Untitled chart";

/** True when the published copy is older than the last saved change. */
export function publishedIsStale(chart) {
  if (!chart?.is_published || !chart.published_at || !chart.updated_at) return false;
  return new Date(chart.updated_at).getTime() > new Date(chart.published_at).getTime();
}

const EMPTY_MAPPING = { x: null, y: null, y2: null, color: null, size: null, facet: null };

function draftOf(chart) {
  const config = chart.config || {};
  return {
    title: chart.title || "",
    description: chart.description || "",
    chart_type: chart.chart_type || "bar",
    theme_id: chart.theme_id || null,
    config: {
      ...config,
      mapping: { ...EMPTY_MAPPING, ...(config.mapping || {}) },
      source: config.source || "",
      notes: config.notes || "",
      options: config.options || {},
    },
  };
}

function slug(s) {
  return (s || "chart").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "chart";
}

const TYPES = ["string", "number", "date", "boolean"];

/** The number style the data was read with: the upload's answer, else what its columns say. */
function localeOf(info) {
  if (info?.locale) return info.locale;
  return (info?.columns || []).some((c) => c.format?.decimal === ",") ? "1.234,5" : "1,234.5";
}

/** How each column was read ("1.234,5", day/month...), in words. */
function formatNote(c) {
  const f = c.format || {};
  const parts = [];
  if (f.decimal === ",") parts.push("decimal comma");
  if (f.date_order) parts.push(f.date_order === "dmy" ? "day/month" : "month/day");
  if (f.ambiguous) parts.push("ambiguous");
  if (f.unit === "quarter") parts.push("quarters");
  return parts.join(", ");
}

function DataPreview({ info, onFormat }) {
  if (!info) return null;
  const rows = info.preview || [];
  const hasDates = info.columns.some((c) => c.type === "date" && c.format?.date_order);
  const ambiguous = info.columns.some((c) => c.format?.ambiguous);
  const order = info.columns.find((c) => c.format?.date_order)?.format.date_order || "mdy";
  return (
    <div className="data-preview" data-testid="data-preview">
      <p className="muted">
        {info.row_count} rows, {info.columns.length} columns{rows.length < info.row_count ? ` (first ${rows.length} shown)` : ""}
      </p>
      {onFormat && (
        <div className="inline wrap data-format">
          <label>
            Numbers look like
            <select value={localeOf(info) === "1.234,5" ? "," : "."} onChange={(e) => onFormat({ decimal: e.target.value })} data-testid="data-locale">
              <option value=".">1,234.5</option>
              <option value=",">1.234,5</option>
            </select>
          </label>
          {hasDates && (
            <label>
              Dates like 03/04/2024 are
              <select value={order} onChange={(e) => onFormat({ date_order: e.target.value })} data-testid="data-date-order">
                <option value="mdy">month/day (3 April → 04/03)</option>
                <option value="dmy">day/month (3 April → 03/04)</option>
              </select>
            </label>
          )}
          {ambiguous && (
            <p className="notice" role="status" data-testid="date-ambiguous">
              Every date in this data could be day/month or month/day: check the order above.
            </p>
          )}
        </div>
      )}
      {(info.problems || []).map((p) => (
        <p className="error" role="alert" key={p.column} data-testid={`data-problem-${p.column}`}>
          <span>
            Column “{p.column}” cannot be read as {p.type} on {p.count === 1 ? "row" : "rows"} {p.rows.join(", ")}
            {p.count > p.rows.length ? ` and ${p.count - p.rows.length} more` : ""} ({p.values.map((v) => `“${v}”`).join(", ")}): those
            cells are left empty. Choose another type or fix those rows.
          </span>
        </p>
      ))}
      <div className="scroll">
        <table className="list compact">
          <thead>
            <tr>
              {info.columns.map((c) => (
                <th key={c.name}>
                  {c.name}
                  <span className={`type type-${c.type}`} data-testid={`column-type-${c.name}`}>
                    {c.type}
                  </span>
                  {formatNote(c) && <span className="muted small">{formatNote(c)}</span>}
                  {onFormat && (
                    <select
                      className="type-select"
                      value={c.type}
                      aria-label={`Type of ${c.name}`}
                      onChange={(e) => onFormat({ types: { [c.name]: e.target.value } })}
                      data-testid={`column-type-select-${c.name}`}
                    >
                      {TYPES.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                {info.columns.map((c, j) => (
                  <td key={c.name}>{String((Array.isArray(r) ? r[j] : r[c.name]) ?? "")}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function History({ chartId, version, data, themes, onRestored, run }) {
  const [versions, setVersions] = useState(null);
  const [viewing, setViewing] = useState(null);
  useEffect(() => {
    api(`/api/charts/${chartId}/versions`)
      .then((vs) => setVersions([...vs].sort((a, b) => b.number - a.number)))
      .catch(() => setVersions([]));
  }, [chartId, version]);
  const view = (n) =>
    run(`Loading version ${n}…`, async () => {
      setViewing(await api(`/api/charts/${chartId}/versions/${n}`));
    });
  const restore = (n) =>
    run(`Restoring version ${n}…`, async () => {
      const chart = await api(`/api/charts/${chartId}/versions/${n}/restore`, { method: "POST" });
      setViewing(null);
      onRestored(chart);
    });
  if (versions === null) return <Busy label="Loading history…" />;
  return (
    <div className="history" data-testid="history-panel">
      {versions.length === 0 && <p className="muted">No saved versions yet.</p>}
      <ul>
        {versions.map((v) => (
          <li key={v.number} data-testid="version-row">
            <span>
              <strong>v{v.number}</strong> {v.created_at ? new Date(v.created_at).toLocaleString() : ""}
              {v.message ? ` — ${v.message}` : ""}
            </span>
            <button className="link" onClick={() => view(v.number)}>
              View
            </button>
            <button className="link" onClick={() => restore(v.number)} data-testid={`restore-${v.number}`}>
              Restore
            </button>
          </li>
        ))}
      </ul>
      {viewing && (
        <div className="modal-backdrop">
          <div className="modal wide" role="dialog" aria-label={`Version ${viewing.number}`} data-testid="version-view">
            <h2>Version {viewing.number}</h2>
            <ChartView
              testId="version-preview"
              chart={{ ...viewing.chart, data, theme: themes.find((t) => t.id === viewing.chart.theme_id) }}
            />
            <div className="actions">
              <button className="primary" onClick={() => restore(viewing.number)}>
                Restore this version
              </button>
              <button onClick={() => setViewing(null)}>Close</button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}

export default function Editor({ chartId }) {
  const [chart, setChart] = useState(null);
  const [draft, setDraft] = useState(null);
  const [dirty, setDirty] = useState(false);
  const [data, setData] = useState(null);
  const [dataInfo, setDataInfo] = useState(null);
  const [themes, setThemes] = useState([]);
  const siteLocale = useSiteLocale();
  const [csvText, setCsvText] = useState("");
  const [conflict, setConflict] = useState(null);
  const [published, setPublished] = useState(null);
  const [showHistory, setShowHistory] = useState(false);
  const [loadError, setLoadError] = useState(null);
  const { busy, error, setError, run } = useAction();
  const previewRef = useRef(null);
  const chosenTypes = useRef({});

  const loadData = useCallback(async (view) => {
    // Past its row limit the server reduces the rows by chart type: the editor asks for its unsaved view.
    const query = view ? `?chart_type=${encodeURIComponent(view.chart_type)}&mapping=${encodeURIComponent(JSON.stringify(view.mapping || {}))}` : "";
    const d = await api(`/api/charts/${chartId}/data${query}`);
    setData(d);
    setDataInfo((prev) => ({
      // Reduced rows (sums, bins, a sample) are not the data's first rows: the upload's preview stays.
      columns: d.reduced && prev?.columns ? prev.columns : d.columns.filter((c) => !c.name.startsWith("__")),
      row_count: d.total_rows ?? d.rows.length,
      preview: d.reduced && prev?.preview ? prev.preview : d.rows.slice(0, 20),
      locale: prev?.locale,
      problems: prev?.problems,
    }));
    return d;
  }, [chartId]);

  const loadChart = useCallback(async () => {
    const c = await api(`/api/charts/${chartId}`);
    setChart(c);
    setDraft(draftOf(c));
    setDirty(false);
    setConflict(null);
    if (c.data) await loadData();
    return c;
  }, [chartId, loadData]);

  useEffect(() => {
    loadChart().catch(setLoadError);
    api("/api/themes").then(setThemes).catch(() => setThemes([]));
  }, [loadChart]);

  const reduced = Boolean(data?.reduced);
  const viewKey = draft ? JSON.stringify([draft.chart_type, draft.config?.mapping]) : "";
  useEffect(() => {
    if (!reduced || !draft) return;
    loadData({ chart_type: draft.chart_type, mapping: draft.config?.mapping }).catch(setError);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [viewKey, reduced]);

  const update = (patch) => {
    setDraft((d) => ({ ...d, ...patch }));
    setDirty(true);
  };
  const updateConfig = (patch) => {
    setDraft((d) => ({ ...d, config: { ...d.config, ...patch } }));
    setDirty(true);
  };
  const setMapping = (key, value) => {
    setDraft((d) => ({ ...d, config: { ...d.config, mapping: { ...d.config.mapping, [key]: value || null } } }));
    setDirty(true);
  };

  const afterUpload = async (info) => {
    setDataInfo(info);
    const d = await loadData();
    const fresh = await api(`/api/charts/${chartId}`);
    setChart((c) => ({ ...c, ...fresh }));
    setDraft((dr) => {
      const names = new Set(d.columns.map((c) => c.name));
      const m = dr.config.mapping;
      const stale = !m.x || !names.has(m.x) || (m.y && !names.has(m.y));
      return stale ? { ...dr, config: { ...dr.config, mapping: guessMapping(d.columns) } } : dr;
    });
    setDirty(true);
  };

  // The user's say on how the data reads: decimal mark, day/month order, a column's type. The choices
  // made so far are kept, so switching one does not undo another.
  const readAs = (choice) =>
    run("Reading the data again…", async () => {
      const columns = dataInfo?.columns || [];
      const order = columns.find((c) => c.format?.date_order && !c.format?.ambiguous)?.format.date_order;
      const current = { decimal: localeOf(dataInfo) === "1.234,5" ? "," : ".", ...(order ? { date_order: order } : {}) };
      const types = { ...chosenTypes.current, ...(choice.types || {}) };
      chosenTypes.current = types;
      const info = await api(`/api/charts/${chartId}/data/format`, { method: "PUT", body: { ...current, ...choice, types } });
      await afterUpload(info);
    });

  const uploadText = () =>
    run("Uploading data…", async () => {
      chosenTypes.current = {};
      if (!csvText.trim()) throw new Error("Paste some CSV first (a header row, then one row per line).");
      const info = await uploadCsv(chartId, new Blob([csvText], { type: "text/csv" }), "data.csv");
      await afterUpload(info);
    });

  const uploadFile = (file) =>
    run(`Uploading ${file.name}…`, async () => {
      chosenTypes.current = {};
      const info = await uploadCsv(chartId, file);
      await afterUpload(info);
    });

  const save = async () => {
    try {
      const c = await api(`/api/charts/${chartId}`, { method: "PATCH", body: { version: chart.version, ...draft } });
      setChart(c);
      setDirty(false);
      uploadSnapshot().catch(() => {}); // the library's thumbnail; a failure here loses nothing
      return c;
    } catch (err) {
      if (err.status === 409) setConflict(err.message);
      throw err;
    }
  };

  const saveAction = () => run("Saving…", save);

  // Nothing is lost silently: the browser asks before closing a tab with unsaved changes, and leaving
  // through the app saves them. A chart never touched (still "Untitled chart", no data) is removed, and
  // an untitled one with data is kept only if the user says so.
  useEffect(() => {
    if (!dirty) return undefined;
    const ask = (e) => {
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", ask);
    return () => window.removeEventListener("beforeunload", ask);
  }, [dirty]);

  // Leaving by the browser's Back button (or any other route change) unmounts the editor without asking:
  // then an untouched, empty new chart is removed and unsaved edits are saved, without waiting.
  const latest = useRef({});
  latest.current = { chart, draft, dirty, dataInfo, left: latest.current.left };
  useEffect(
    () => () => {
      const { chart: c, draft: d, dirty: unsaved, dataInfo: info, left } = latest.current;
      if (left || !c || !d) return;
      if (c.version === 1 && (d.title || UNTITLED) === UNTITLED && !info) {
        api(`/api/charts/${chartId}`, { method: "DELETE" }).catch(() => {});
      } else if (unsaved) {
        api(`/api/charts/${chartId}`, { method: "PATCH", body: { version: c.version, ...d } }).catch(() => {});
      }
    },
    [chartId],
  );

  const leave = (to) =>
    run("Saving before you leave…", async () => {
      latest.current.left = true;
      const untouched = chart.version === 1 && (draft.title || UNTITLED) === UNTITLED;
      const hasData = Boolean(dataInfo);
      if (untouched && (!hasData || !window.confirm("Keep this untitled chart in your library?"))) {
        await api(`/api/charts/${chartId}`, { method: "DELETE" });
      } else if (dirty) {
        await save();
      }
      navigate(to);
    });

  const publish = () =>
    run("Publishing…", async () => {
      if (dirty) await save();
      const info = await api(`/api/charts/${chartId}/publish`, { method: "POST" });
      const embed = await api(`/api/charts/${chartId}/embed-code`);
      const fresh = await api(`/api/charts/${chartId}`);
      setChart((c) => ({ ...c, ...fresh, version: c.version }));
      setPublished({ ...info, embed });
    });

  const unpublish = () =>
    run("Unpublishing…", async () => {
      await api(`/api/charts/${chartId}/publish`, { method: "DELETE" });
      setChart((c) => ({ ...c, is_published: false }));
      setPublished(null);
    });

  const figure = () => {
    const fig = previewRef.current?.querySelector(".sa-figure");
    if (!fig) throw new Error("There is no chart to export yet: add data first.");
    return fig;
  };

  const uploadSnapshot = async () => {
    const png = await figureToPng(figure());
    await api(`/api/charts/${chartId}/snapshot`, { method: "PUT", body: png, headers: { "Content-Type": "image/png" } });
    return png;
  };

  const exportAs = (fmt) =>
    run(`Exporting ${fmt.toUpperCase()}…`, async () => {
      if (dirty) await save();
      const name = `${slug(draft.title)}.${fmt}`;
      if (fmt === "png") {
        downloadBlob(await uploadSnapshot(), name);
        return;
      }
      if (fmt === "pdf" || fmt === "pptx") await uploadSnapshot();
      if (fmt === "pptx") {
        // The slide shows title, description and source as text boxes: its picture is the chart alone.
        const slide = await figureToPng(figure(), 2, { header: false });
        await api(`/api/charts/${chartId}/snapshot/slide`, { method: "PUT", body: slide, headers: { "Content-Type": "image/png" } });
      }
      if (fmt === "pdf") {
        const { svg } = figureToSvg(figure(), { flat: true });
        await api(`/api/charts/${chartId}/snapshot/vector`, { method: "PUT", body: svg, headers: { "Content-Type": "image/svg+xml" } });
      }
      const res = await api(`/api/charts/${chartId}/export/${fmt}`, { raw: true });
      downloadBlob(await res.blob(), name);
    });

  const saveTemplate = () => {
    const name = window.prompt("Template name", draft.title || "My template");
    if (!name) return;
    run("Saving template…", async () => {
      if (dirty) await save();
      await api("/api/templates", { method: "POST", body: { chart_id: chartId, name } });
    });
  };

  const preview = useMemo(
    () =>
      draft && {
        ...draft,
        data,
        theme: themes.find((t) => t.id === draft.theme_id) || themes[0],
        locale: siteLocale,
      },
    [draft, data, themes, siteLocale],
  );

  if (loadError)
    return (
      <div className="page">
        <ErrorBanner error={loadError} />
        <Link to="/">Back to charts</Link>
      </div>
    );
  if (!chart || !draft) return <Busy label="Loading chart…" />;
  const columns = data?.columns || dataInfo?.columns || [];

  return (
    <div className="page editor" data-testid="editor">
      <div className="toolbar">
        <a
          href="/"
          onClick={(e) => {
            e.preventDefault();
            leave("/");
          }}
          data-testid="back-to-charts"
        >
          ← Charts
        </a>
        <input
          className="title-input"
          value={draft.title}
          onChange={(e) => update({ title: e.target.value })}
          placeholder="Chart title"
          aria-label="Title"
          data-testid="chart-title"
        />
        <span className="muted" data-testid="chart-version">
          v{chart.version}
          {dirty ? " · unsaved changes" : " · saved"}
        </span>
        <button onClick={saveAction} className="primary" disabled={Boolean(busy)} data-testid="save">
          Save
        </button>
        <button onClick={publish} disabled={Boolean(busy)} data-testid="publish">
          {chart.is_published ? "Publish again" : "Publish"}
        </button>
        <button onClick={() => setShowHistory((s) => !s)} data-testid="history">
          History
        </button>
      </div>
      {publishedIsStale(chart) && (
        <p className="notice" role="status" data-testid="publish-stale">
          The published chart is older than your last save: publish again to update it.
        </p>
      )}
      {busy && <Busy label={busy} />}
      {conflict ? (
        <ErrorBanner error={`${conflict} Reload to get the latest version (your unsaved edits here will be lost).`}>
          <button onClick={() => run("Reloading…", loadChart)} data-testid="reload-latest">
            Reload latest
          </button>
        </ErrorBanner>
      ) : (
        <ErrorBanner error={error} onClose={() => setError(null)} />
      )}
      <div className="editor-grid">
        <section className="panel">
          <h3>1. Data</h3>
          <textarea
            rows={6}
            placeholder={"Paste CSV here, e.g.\ncountry,sales\nFrance,120\nSpain,90"}
            value={csvText}
            onChange={(e) => setCsvText(e.target.value)}
            data-testid="csv-input"
          />
          <div className="inline">
            <button onClick={uploadText} disabled={Boolean(busy)} data-testid="upload-csv">
              Use pasted data
            </button>
            <label className="file">
              or upload a file
              <input
                type="file"
                accept=".csv,text/csv,text/plain"
                data-testid="csv-file"
                onChange={(e) => e.target.files[0] && uploadFile(e.target.files[0])}
              />
            </label>
          </div>
          <DataPreview info={dataInfo} onFormat={readAs} />

          <h3>2. Chart type</h3>
          <div className="type-picker" data-testid="type-picker">
            {CHART_TYPES.map((t) => (
              <button
                key={t.id}
                className={draft.chart_type === t.id ? "type active" : "type"}
                onClick={() => update({ chart_type: t.id })}
                data-testid={`type-${t.id}`}
                aria-pressed={draft.chart_type === t.id}
              >
                {t.label}
              </button>
            ))}
          </div>

          <h3>3. Columns</h3>
          <div className="mapping">
            {MAPPING_SLOTS.map((s) => (
              <label key={s.key}>
                {s.label}
                <select
                  value={draft.config.mapping[s.key] || ""}
                  onChange={(e) => setMapping(s.key, e.target.value)}
                  data-testid={`map-${s.key}`}
                >
                  <option value="">(none)</option>
                  {columns.map((c) => (
                    <option key={c.name} value={c.name}>
                      {c.name} ({c.type})
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>

          <h3>4. Text and theme</h3>
          <label>
            Description
            <textarea rows={2} value={draft.description} onChange={(e) => update({ description: e.target.value })} data-testid="chart-description" />
          </label>
          <label>
            Source
            <input value={draft.config.source} onChange={(e) => updateConfig({ source: e.target.value })} data-testid="chart-source" />
          </label>
          <label>
            Notes
            <textarea rows={2} value={draft.config.notes} onChange={(e) => updateConfig({ notes: e.target.value })} data-testid="chart-notes" />
          </label>
          <label>
            Theme
            <select value={draft.theme_id || ""} onChange={(e) => update({ theme_id: e.target.value || null })} data-testid="theme-select">
              <option value="">(default)</option>
              {themes.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                  {t.builtin ? "" : " (custom)"}
                </option>
              ))}
            </select>
          </label>
          <ChartOptions
            options={draft.config.options || {}}
            onChange={(options) => updateConfig({ options })}
            data={data}
            mapping={draft.config.mapping}
            palette={resolveTheme(preview?.theme).palette}
            siteLocale={siteLocale}
          />
        </section>
        <section className="panel preview-panel">
          <div ref={previewRef}>
            <ChartView chart={preview} />
          </div>
          <div className="exports" data-testid="exports">
            <span className="muted">Export:</span>
            {["png", "csv", "html", "pdf", "pptx"].map((f) => (
              <button key={f} onClick={() => exportAs(f)} disabled={Boolean(busy)} data-testid={`export-${f}`}>
                {f.toUpperCase()}
              </button>
            ))}
            <button className="link" onClick={saveTemplate} data-testid="save-template">
              Save as template
            </button>
          </div>
          {showHistory && (
            <History
              chartId={chartId}
              version={chart.version}
              data={data}
              themes={themes}
              run={run}
              onRestored={(c) => {
                setChart(c);
                setDraft(draftOf(c));
                setDirty(false);
              }}
            />
          )}
        </section>
      </div>
      {published && (
        <PublishDialog info={published} stale={publishedIsStale(chart)} onClose={() => setPublished(null)} onUnpublish={unpublish} />
      )}
    </div>
  );
}
