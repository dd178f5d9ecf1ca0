// The app shell: header with the live-update indicator, and the page for the route.
import { LiveProvider, useLive } from "./live";
import { DetailPage } from "./pages/DetailPage";
import { ListPage } from "./pages/ListPage";
import { NotFound } from "./components/States";
import { hrefs, useRoute } from "./routing";
import { useEffect } from "react";

export function App() {
  return (
    <LiveProvider>
      <Shell />
    </LiveProvider>
  );
}

function Shell() {
  const route = useRoute();
  return (
    <>
      <header className="app-header">
        <a className="brand" href={hrefs.list()}>
          <img src="/favicon.svg" alt="" width="22" height="22" />
          TINA
        </a>
        <nav aria-label="Main">
          <a href={hrefs.list()}>Orchestrations</a>
        </nav>
        <LiveIndicator />
      </header>
      <main id="main">
        {route.page === "list" && <ListPage />}
        {route.page === "detail" && <DetailPage key={`${route.by}:${route.key}`} by={route.by} keyValue={route.key} />}
        {route.page === "unknown" && <UnknownPage hash={route.hash} />}
      </main>
    </>
  );
}

function LiveIndicator() {
  const { status } = useLive();
  const text = {
    connecting: "Connecting…",
    live: "Live",
    offline: "Reconnecting…",
    unsupported: "Live updates unavailable",
  }[status];
  return (
    <span className={`live live-${status}`} role="status" aria-live="polite" data-live={status}>
      <span className="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function UnknownPage({ hash }: { hash: string }) {
  useEffect(() => {
    document.title = "Page not found · TINA";
  }, []);
  return <NotFound title="Page not found" message={`Nothing lives at ${hash}.`} />;
}
