import { useState } from "react";
import { api } from "../api.js";
import { ErrorBanner } from "../components/common.jsx";

export default function Login({ onLoggedIn }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await api("/api/auth/login", { method: "POST", body: { email, password } }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login">
      <form onSubmit={submit} className="card" data-testid="login-form">
        <h1>Story Analytics</h1>
        <p className="muted">Log in to continue.</p>
        <label>
          Email
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus data-testid="login-email" />
        </label>
        <label>
          Password
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required data-testid="login-password" />
        </label>
        <ErrorBanner error={error} />
        <button type="submit" className="primary" disabled={busy} data-testid="login-submit">
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </div>
  );
}
