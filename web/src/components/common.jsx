// Small shared pieces: error banner, progress indicator, and a hook that runs an async action
// while showing progress and catching the API's error message.
import { Component, useCallback, useState } from "react";

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

/** Last line of defence: a render error shows a message and a reload button, never a blank page. */
export class ErrorBoundary extends Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }
  static getDerivedStateFromError(error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="page">
        <ErrorBanner error={`Something went wrong on this page: ${this.state.error.message}`}>
          <button onClick={() => location.reload()}>Reload</button>
        </ErrorBanner>
      </div>
    );
  }
}
