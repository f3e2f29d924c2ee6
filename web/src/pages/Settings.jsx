// Settings: the server's settings document (editable by admins) and, with auth on, a password change.
import { useEffect, useState } from "react";
import { forgetSiteLocale } from "../siteLocale.js";
import { api } from "../api.js";
import { useSession } from "../App.jsx";
import { Busy, ErrorBanner, useAction } from "../components/common.jsx";

// What each setting means, in words (the server's names are for the API).
const LABELS = {
  site_title: ["Site title", "Shown in the browser tab and the top bar."],
  default_theme: ["Default theme", "The theme new charts start with (default, dark, ocean…)."],
  default_embed_origins: ["Sites that may embed charts", "One address per line, like https://news.example.org; * allows any site."],
  locale: ["Language and region", "Like en-US or de-DE."],
  number_format: ["Number format", "How numbers are written, like 1,234.56 or 1.234,56."],
  date_format: ["Date format", "Like YYYY-MM-DD or DD.MM.YYYY."],
  allow_public_embeds: ["Allow publishing charts and dashboards at a public link", ""],
  footer_text: ["Footer text", "Shown under every published chart."],
};

/** "allow_public_embeds" -> "Allow public embeds" for settings this page does not know yet. */
function humanize(name) {
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function Field({ name, value, onChange, disabled }) {
  const [title, hint] = LABELS[name] || [humanize(name), ""];
  const help = hint ? <span className="muted small">{hint}</span> : null;
  if (typeof value === "boolean")
    return (
      <label className="check" data-testid={`setting-${name}`}>
        <input type="checkbox" checked={value} disabled={disabled} onChange={(e) => onChange(e.target.checked)} /> {title}
      </label>
    );
  if (typeof value === "number")
    return (
      <label data-testid={`setting-${name}`}>
        {title}
        <input type="number" value={value} disabled={disabled} onChange={(e) => onChange(Number(e.target.value))} />
        {help}
      </label>
    );
  if (Array.isArray(value) && value.every((v) => typeof v === "string"))
    return (
      <label data-testid={`setting-${name}`}>
        {title}
        <textarea
          rows={3}
          value={value.join("\n")}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value.split("\n").map((v) => v.trim()).filter(Boolean))}
        />
        {help}
      </label>
    );
  if (value !== null && typeof value === "object")
    return (
      <label data-testid={`setting-${name}`}>
        {title} (JSON)
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
        {help}
      </label>
    );
  return (
    <label data-testid={`setting-${name}`}>
      {title}
      <input value={value ?? ""} disabled={disabled} onChange={(e) => onChange(e.target.value)} />
      {help}
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
      forgetSiteLocale(); // charts drawn from now on read the new language
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
