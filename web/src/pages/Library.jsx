// Chart library: search, folders, create (blank or from a template), move and delete.
import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import { Link, navigate } from "../router.jsx";
import Thumbnail from "../components/Thumbnail.jsx";
import { Busy, ErrorBanner, useAction } from "../components/common.jsx";
import { CHART_TYPES } from "../charts/types.js";

const typeLabel = (id) => CHART_TYPES.find((t) => t.id === id)?.label ?? id;

export default function Library() {
  const [charts, setCharts] = useState(null);
  const [folders, setFolders] = useState([]);
  const [templates, setTemplates] = useState([]);
  const [folderId, setFolderId] = useState("");
  const [q, setQ] = useState("");
  const [newFolder, setNewFolder] = useState("");
  const { busy, error, setError, run } = useAction();

  const load = useCallback(async () => {
    try {
      const params = new URLSearchParams();
      if (folderId) params.set("folder_id", folderId);
      if (q) params.set("q", q);
      setCharts(await api(`/api/charts?${params}`));
    } catch (err) {
      setError(err);
      setCharts([]);
    }
  }, [folderId, q, setError]);

  useEffect(() => {
    const t = setTimeout(load, 200);
    return () => clearTimeout(t);
  }, [load]);

  useEffect(() => {
    api("/api/folders").then(setFolders).catch(setError);
    api("/api/templates").then(setTemplates).catch(() => setTemplates([]));
  }, [setError]);

  const create = () =>
    run("Creating chart…", async () => {
      const body = { title: "Untitled chart", chart_type: "bar" };
      if (folderId) body.folder_id = folderId;
      const chart = await api("/api/charts", { method: "POST", body });
      navigate(`/charts/${chart.id}`);
    });

  const fromTemplate = (tpl) =>
    run("Creating chart from template…", async () => {
      const chart = await api(`/api/templates/${tpl.id}/charts`, { method: "POST", body: {} });
      navigate(`/charts/${chart.id}`);
    });

  const addFolder = (e) => {
    e.preventDefault();
    if (!newFolder.trim()) return;
    run("Creating folder…", async () => {
      const f = await api("/api/folders", { method: "POST", body: { name: newFolder.trim() } });
      setFolders((fs) => [...fs, f]);
      setNewFolder("");
    });
  };

  const removeFolder = (f) =>
    run("Deleting folder…", async () => {
      await api(`/api/folders/${f.id}`, { method: "DELETE" });
      setFolders((fs) => fs.filter((x) => x.id !== f.id));
      if (folderId === f.id) setFolderId("");
    });

  const move = (chart, target) =>
    run("Moving chart…", async () => {
      await api(`/api/charts/${chart.id}`, {
        method: "PATCH",
        body: { version: chart.version, folder_id: target || null },
      });
      await load();
    });

  const remove = (chart) => {
    if (!window.confirm(`Delete "${chart.title}"? This cannot be undone.`)) return;
    run("Deleting chart…", async () => {
      await api(`/api/charts/${chart.id}`, { method: "DELETE" });
      await load();
    });
  };

  return (
    <div className="page library">
      <aside className="sidebar">
        <h3>Folders</h3>
        <ul className="folders" data-testid="folders">
          <li>
            <button className={folderId === "" ? "link active" : "link"} onClick={() => setFolderId("")}>
              All charts
            </button>
          </li>
          {folders.map((f) => (
            <li key={f.id}>
              <button className={folderId === f.id ? "link active" : "link"} onClick={() => setFolderId(f.id)}>
                {f.name}
              </button>
              <button className="link small" title="Delete folder" onClick={() => removeFolder(f)}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <form onSubmit={addFolder} className="inline">
          <input placeholder="New folder" value={newFolder} onChange={(e) => setNewFolder(e.target.value)} data-testid="new-folder-name" />
          <button type="submit" data-testid="new-folder">Add</button>
        </form>
        {templates.length > 0 && (
          <>
            <h3>Templates</h3>
            <ul className="folders">
              {templates.map((tpl) => (
                <li key={tpl.id}>
                  <button className="link" onClick={() => fromTemplate(tpl)} title={tpl.description || ""}>
                    {tpl.name}
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </aside>
      <section className="content">
        <div className="toolbar">
          <h1>Charts</h1>
          <input type="search" placeholder="Search charts" value={q} onChange={(e) => setQ(e.target.value)} data-testid="search" />
          <button className="primary" onClick={create} data-testid="new-chart" disabled={Boolean(busy)}>
            New chart
          </button>
        </div>
        {busy && <Busy label={busy} />}
        <ErrorBanner error={error} onClose={() => setError(null)} />
        {charts === null ? (
          <Busy label="Loading charts…" />
        ) : charts.length === 0 ? (
          <p className="empty" data-testid="empty-library">
            No charts here yet. Click <strong>New chart</strong> and paste a CSV to make one.
          </p>
        ) : (
          <table className="list" data-testid="chart-list">
            <thead>
              <tr>
                <th>
                  <span className="visually-hidden">Preview</span>
                </th>
                <th>Title</th>
                <th>Type</th>
                <th>Updated</th>
                <th>Published</th>
                <th>Folder</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {charts.map((c) => (
                <tr key={c.id} data-testid="chart-row">
                  <td>
                    <Thumbnail chart={c} label={typeLabel(c.chart_type)} />
                  </td>
                  <td>
                    <Link to={`/charts/${c.id}`}>{c.title || "Untitled chart"}</Link>
                  </td>
                  <td>{typeLabel(c.chart_type)}</td>
                  <td>{c.updated_at ? new Date(c.updated_at).toLocaleString() : ""}</td>
                  <td>{c.is_published ? "Yes" : "No"}</td>
                  <td>
                    <select value={c.folder_id || ""} onChange={(e) => move(c, e.target.value)} aria-label="Folder">
                      <option value="">(none)</option>
                      {folders.map((f) => (
                        <option key={f.id} value={f.id}>
                          {f.name}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <button className="link danger" onClick={() => remove(c)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
