// Dashboards: list, grid editor (add, resize, reorder, remove), publish; and the public dashboard page /d/<id>.
import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import { Link, navigate } from "../router.jsx";
import { Busy, ErrorBanner, useAction } from "../components/common.jsx";
import ChartView from "../components/ChartView.jsx";
import { useSiteLocale } from "../siteLocale.js";
import PublishDialog from "../components/PublishDialog.jsx";

const WIDTHS = [
  { value: 3, label: "¼" },
  { value: 4, label: "⅓" },
  { value: 6, label: "½" },
  { value: 8, label: "⅔" },
  { value: 12, label: "Full" },
];

export function DashboardList() {
  const [items, setItems] = useState(null);
  const [title, setTitle] = useState("");
  const { busy, error, setError, run } = useAction();
  useEffect(() => {
    api("/api/dashboards")
      .then(setItems)
      .catch((e) => {
        setError(e);
        setItems([]);
      });
  }, [setError]);
  const create = (e) => {
    e.preventDefault();
    run("Creating dashboard…", async () => {
      const d = await api("/api/dashboards", { method: "POST", body: { title: title.trim() || "Untitled dashboard", layout: [] } });
      navigate(`/dashboards/${d.id}`);
    });
  };
  return (
    <div className="page">
      <div className="toolbar">
        <h1>Dashboards</h1>
        <form onSubmit={create} className="inline">
          <input placeholder="Dashboard title" value={title} onChange={(e) => setTitle(e.target.value)} data-testid="dashboard-title-new" />
          <button className="primary" type="submit" data-testid="new-dashboard">
            New dashboard
          </button>
        </form>
      </div>
      {busy && <Busy label={busy} />}
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {items === null ? (
        <Busy label="Loading dashboards…" />
      ) : items.length === 0 ? (
        <p className="empty">No dashboards yet.</p>
      ) : (
        <ul className="cards" data-testid="dashboard-list">
          {items.map((d) => (
            <li key={d.id} className="card">
              <Link to={`/dashboards/${d.id}`}>{d.title || "Untitled dashboard"}</Link>
              <div className="muted">{(d.layout || []).length} charts{d.is_published ? " · published" : ""}</div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A tile whose chart was deleted: said plainly, with a way to remove it (the layout still saves). */
function DeadTile({ onRemove }) {
  return (
    <div className="dead-tile" role="note" data-testid="dashboard-dead-tile">
      <p>This chart was deleted, so this tile is empty.</p>
      {onRemove && (
        <button onClick={onRemove} data-testid="dashboard-dead-tile-remove">
          Remove this tile
        </button>
      )}
    </div>
  );
}

/** Loads a chart with its data and theme for a dashboard tile. */
function ChartTile({ chartId, themes, onRemove }) {
  const [chart, setChart] = useState(null);
  const [error, setError] = useState(null);
  const locale = useSiteLocale();
  useEffect(() => {
    (async () => {
      const c = await api(`/api/charts/${chartId}`);
      const data = c.data ? await api(`/api/charts/${chartId}/data`) : null;
      setChart({ ...c, data });
    })().catch(setError);
  }, [chartId]);
  if (error?.status === 404) return <DeadTile onRemove={onRemove} />;
  if (error) return <ErrorBanner error={error} />;
  if (!chart) return <Busy label="Loading chart…" />;
  return <ChartView chart={{ ...chart, locale, theme: themes.find((t) => t.id === chart.theme_id) }} testId="dashboard-chart" />;
}

function Grid({ layout, renderTile, controls }) {
  return (
    <div className="dash-grid" data-testid="dashboard-grid">
      {layout.map((item, i) => (
        <div
          key={`${item.chart_id}-${i}`}
          className="tile"
          style={{ gridColumn: `span ${Math.min(12, Math.max(1, item.width || 6))}`, minHeight: item.height || 300 }}
          data-testid="dashboard-tile"
        >
          {controls && controls(item, i)}
          {renderTile(item, i)}
        </div>
      ))}
    </div>
  );
}

export function DashboardEditor({ dashboardId }) {
  const [dash, setDash] = useState(null);
  const [charts, setCharts] = useState([]);
  const [themes, setThemes] = useState([]);
  const [pick, setPick] = useState("");
  const [dirty, setDirty] = useState(false);
  const [publicUrl, setPublicUrl] = useState(null);
  const [published, setPublished] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const { busy, error, setError, run } = useAction();

  const load = useCallback(async () => {
    const d = await api(`/api/dashboards/${dashboardId}`);
    setDash({ ...d, layout: d.layout || [] });
    setDirty(false);
    if (d.is_published && d.public_id) setPublicUrl(`/embed/${d.public_id}?kind=dashboard`);
  }, [dashboardId]);

  useEffect(() => {
    load().catch(setLoadError);
    api("/api/charts").then(setCharts).catch(() => setCharts([]));
    api("/api/themes").then(setThemes).catch(() => setThemes([]));
  }, [load]);

  const setLayout = (fn) => {
    setDash((d) => ({ ...d, layout: fn(d.layout) }));
    setDirty(true);
  };
  const move = (i, delta) =>
    setLayout((l) => {
      const j = i + delta;
      if (j < 0 || j >= l.length) return l;
      const copy = [...l];
      [copy[i], copy[j]] = [copy[j], copy[i]];
      return copy;
    });
  const resize = (i, patch) => setLayout((l) => l.map((it, k) => (k === i ? { ...it, ...patch } : it)));
  const remove = (i) => setLayout((l) => l.filter((_, k) => k !== i));
  const add = () => {
    if (!pick) return;
    setLayout((l) => [...l, { chart_id: pick, width: 6, height: 360 }]);
    setPick("");
  };

  const save = async () => {
    try {
      const d = await api(`/api/dashboards/${dashboardId}`, {
        method: "PATCH",
        body: { version: dash.version, title: dash.title, description: dash.description || "", layout: dash.layout },
      });
      setDash({ ...d, layout: d.layout || [] });
      setDirty(false);
    } catch (err) {
      if (err.status === 409) err.message = `${err.message} Reload the page to get the latest version.`;
      throw err;
    }
  };

  const publish = () =>
    run("Publishing dashboard…", async () => {
      if (dirty) await save();
      const info = await api(`/api/dashboards/${dashboardId}/publish`, { method: "POST" });
      const url = info.public_url && !info.public_url.startsWith("/api/") ? info.public_url : `/d/${info.public_id}`;
      const embed = await api(`/api/dashboards/${dashboardId}/embed-code`).catch(() => null);
      setPublicUrl(url);
      setPublished({ ...info, public_url: url, embed });
    });
  const unpublish = () =>
    run("Unpublishing…", async () => {
      await api(`/api/dashboards/${dashboardId}/publish`, { method: "DELETE" });
      setPublicUrl(null);
      setPublished(null);
    });
  const destroy = () => {
    if (!window.confirm("Delete this dashboard? Its charts are kept.")) return;
    run("Deleting…", async () => {
      await api(`/api/dashboards/${dashboardId}`, { method: "DELETE" });
      navigate("/dashboards");
    });
  };

  if (loadError)
    return (
      <div className="page">
        <ErrorBanner error={loadError} />
        <Link to="/dashboards">Back to dashboards</Link>
      </div>
    );
  if (!dash) return <Busy label="Loading dashboard…" />;
  return (
    <div className="page" data-testid="dashboard-editor">
      <div className="toolbar">
        <Link to="/dashboards">← Dashboards</Link>
        <input
          className="title-input"
          value={dash.title || ""}
          onChange={(e) => {
            setDash({ ...dash, title: e.target.value });
            setDirty(true);
          }}
          aria-label="Dashboard title"
          data-testid="dashboard-title"
        />
        <span className="muted">{dirty ? "unsaved changes" : "saved"}</span>
        <button className="primary" onClick={() => run("Saving…", save)} data-testid="dashboard-save">
          Save
        </button>
        <button onClick={publish} data-testid="dashboard-publish">
          Publish
        </button>
        <button className="danger" onClick={destroy}>
          Delete
        </button>
      </div>
      {busy && <Busy label={busy} />}
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {publicUrl && (
        <p className="notice" data-testid="dashboard-public-url">
          Public at{" "}
          <a href={publicUrl} target="_blank" rel="noreferrer">
            {new URL(publicUrl, location.origin).href}
          </a>{" "}
          <button className="link" onClick={unpublish}>
            Unpublish
          </button>
        </p>
      )}
      <div className="inline">
        <select value={pick} onChange={(e) => setPick(e.target.value)} data-testid="dashboard-add-select">
          <option value="">Add a chart…</option>
          {charts.map((c) => (
            <option key={c.id} value={c.id}>
              {c.title || "Untitled chart"}
            </option>
          ))}
        </select>
        <button onClick={add} disabled={!pick} data-testid="dashboard-add">
          Add
        </button>
      </div>
      {dash.layout.length === 0 && <p className="empty">Add charts to build this dashboard.</p>}
      <Grid
        layout={dash.layout}
        renderTile={(item, i) => <ChartTile chartId={item.chart_id} themes={themes} onRemove={() => remove(i)} />}
        controls={(item, i) => (
          <div className="tile-controls">
            <button className="link" onClick={() => move(i, -1)} title="Move earlier" aria-label="Move earlier">
              ←
            </button>
            <button className="link" onClick={() => move(i, 1)} title="Move later" aria-label="Move later">
              →
            </button>
            <select value={item.width} onChange={(e) => resize(i, { width: Number(e.target.value) })} aria-label="Width">
              {WIDTHS.map((w) => (
                <option key={w.value} value={w.value}>
                  {w.label}
                </option>
              ))}
            </select>
            <button className="link" onClick={() => resize(i, { height: Math.max(200, (item.height || 300) - 60) })} aria-label="Shorter">
              −
            </button>
            <button className="link" onClick={() => resize(i, { height: (item.height || 300) + 60 })} aria-label="Taller">
              +
            </button>
            <button className="link danger" onClick={() => remove(i)} aria-label="Remove">
              ×
            </button>
          </div>
        )}
      />
      {published && <PublishDialog info={published} onClose={() => setPublished(null)} onUnpublish={unpublish} />}
    </div>
  );
}

export function PublicDashboard({ publicId }) {
  const [dash, setDash] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api(`/api/public/dashboards/${encodeURIComponent(publicId)}`).then(setDash).catch(setError);
  }, [publicId]);
  if (error) return <ErrorBanner error={error} />;
  if (!dash) return <Busy label="Loading dashboard…" />;
  const charts = dash.charts || {};
  const find = (item) =>
    charts[item.chart_id] ||
    charts[item.public_id] ||
    Object.values(charts).find((c) => c.id === item.chart_id || c.chart_id === item.chart_id);
  return (
    <div className="page public-dashboard" data-testid="public-dashboard">
      <h1>{dash.title}</h1>
      {dash.description && <p className="muted">{dash.description}</p>}
      <Grid
        layout={dash.layout || []}
        renderTile={(item) => {
          const c = find(item);
          return c ? <ChartView chart={c} testId="dashboard-chart" /> : <p className="muted">This chart is not published.</p>;
        }}
      />
    </div>
  );
}
