// Small shared pieces: error banner, progress indicator, and a hook that runs an async action
// while showing progress and catching the API's error message.
import { useCallback, useState } from "react";

export function ErrorBanner({ error, onClose, children }) {
  if (!error) return null;
  return (
    <div className="error" role="alert" data-testid="error">
      <span>{typeof error === "string" ? error : error.message}</span>
      {children}
      {onClose && (
        <button className="link" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

export function Busy({ label = "Working…" }) {
  return (
    <div className="busy" role="status" data-testid="busy">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

/** run(label, fn): shows `label` while fn runs, stores its error; returns fn's result or undefined. */
export function useAction() {
  const [busy, setBusy] = useState(null);
  const [error, setError] = useState(null);
  const run = useCallback(async (label, fn) => {
    setBusy(label);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(null);
    }
  }, []);
  return { busy, error, setError, run };
}
