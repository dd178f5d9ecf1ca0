// The states a view can be in besides "here is the data". Each is distinct on screen:
// loading is never shown as empty, and not found is not an error.
import { hrefs } from "../routing";

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-busy="true" data-state="loading">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function NotFound({ title, message }: { title: string; message?: string }) {
  return (
    <div className="state state-not-found" role="alert" data-state="not-found">
      <h2>{title}</h2>
      {message && <p className="state-message">{message}</p>}
      <p>
        <a href={hrefs.list()}>Back to all orchestrations</a>
      </p>
    </div>
  );
}

export function LoadError({ what, message, onRetry }: { what: string; message: string; onRetry: () => void }) {
  return (
    <div className="state state-error" role="alert" data-state="error">
      <h2>Could not load {what}</h2>
      <p className="state-message">{message}</p>
      <button type="button" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}

export function RefreshWarning({ message }: { message: string }) {
  return (
    <p className="refresh-warning" role="status">
      Showing the last data received; refreshing failed: {message}
    </p>
  );
}
