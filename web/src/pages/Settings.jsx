// Settings: the server's settings document (editable by admins) and, with auth on, a password change.
import { useEffect, useState } from "react";
import { api } from "../api.js";
import { useSession } from "../App.jsx";
import { Busy, ErrorBanner, useAction } from "../components/common.jsx";

function Field({ name, value, onChange, disabled }) {
  if (typeof value === "boolean")
    return (
      <label className="check">
        <input type="checkbox" checked={value} disabled={disabled} onChange={(e) => onChange(e.target.checked)} /> {name}
      </label>
    );
  if (typeof value === "number")
    return (
      <label>
        {name}
        <input type="number" value={value} disabled={disabled} onChange={(e) => onChange(Number(e.target.value))} />
      </label>
    );
  if (value !== null && typeof value === "object")
    return (
      <label>
        {name} (JSON)
        <textarea
          rows={3}
          defaultValue={JSON.stringify(value, null, 2)}
          disabled={disabled}
          onBlur={(e) => {
            try {
              onChange(JSON.parse(e.target.value));
            } catch {
              /* kept as typed; the server explains what is wrong on save */
            }
          }}
        />
      </label>
    );
  return (
    <label>
      {name}
      <input value={value ?? ""} disabled={disabled} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

export default function Settings() {
  const { meta, user } = useSession();
  const [settings, setSettings] = useState(null);
  const [saved, setSaved] = useState("");
  const [pw, setPw] = useState({ current_password: "", new_password: "" });
  const { busy, error, setError, run } = useAction();
  useEffect(() => {
    api("/api/settings")
      .then(setSettings)
      .catch((e) => {
        setError(e);
        setSettings({});
      });
  }, [setError]);
  const canEdit = Boolean(user?.is_admin);
  const save = () =>
    run("Saving settings…", async () => {
      setSettings(await api("/api/settings", { method: "PUT", body: settings }));
      setSaved("Settings saved.");
    });
  const changePassword = (e) => {
    e.preventDefault();
    run("Changing password…", async () => {
      await api("/api/users/me/password", { method: "POST", body: pw });
      setPw({ current_password: "", new_password: "" });
      setSaved("Password changed.");
    });
  };
  return (
    <div className="page narrow" data-testid="settings">
      <h1>Settings</h1>
      <p className="muted">
        Mode: {meta.mode} · version {meta.version} · uploads up to {meta.max_upload_mb} MB
      </p>
      {busy && <Busy label={busy} />}
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {saved && <p className="notice">{saved}</p>}
      {settings === null ? (
        <Busy label="Loading settings…" />
      ) : (
        <div className="panel">
          {Object.keys(settings).length === 0 && <p className="muted">No settings to show.</p>}
          {Object.entries(settings).map(([k, v]) => (
            <Field key={k} name={k} value={v} disabled={!canEdit} onChange={(nv) => setSettings({ ...settings, [k]: nv })} />
          ))}
          {canEdit && Object.keys(settings).length > 0 && (
            <button className="primary" onClick={save} data-testid="settings-save">
              Save settings
            </button>
          )}
        </div>
      )}
      {meta.auth_required && (
        <form className="panel" onSubmit={changePassword}>
          <h3>Change password</h3>
          <label>
            Current password
            <input type="password" value={pw.current_password} onChange={(e) => setPw({ ...pw, current_password: e.target.value })} required />
          </label>
          <label>
            New password
            <input type="password" value={pw.new_password} onChange={(e) => setPw({ ...pw, new_password: e.target.value })} required minLength={12} />
          </label>
          <button type="submit">Change password</button>
        </form>
      )}
    </div>
  );
}
