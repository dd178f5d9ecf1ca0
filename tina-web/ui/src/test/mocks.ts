// Test doubles for the browser APIs the app talks to the server through.
import { vi } from "vitest";

type Answer = { status: number; body: unknown; headers?: Record<string, string> };
type Handler = (path: string) => Answer | Promise<Answer>;

/** Replaces fetch; `handler` answers by request path. Returns the mock to inspect calls. */
export function mockFetch(handler: Handler) {
  const fn = vi.fn(async (input: RequestInfo | URL) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const path = url.replace(/^https?:\/\/[^/]+/, "");
    const { status, body, headers } = await handler(path);
    return new Response(JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json", ...headers },
    });
  });
  vi.stubGlobal("fetch", fn);
  return fn;
}

/** An EventSource whose events the test sends. */
export class MockEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: MockEventSource[] = [];
  url: string;
  readyState = MockEventSource.CONNECTING;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>();

  constructor(url: string) {
    this.url = url;
    MockEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.closed = true;
    this.readyState = MockEventSource.CLOSED;
  }
  open() {
    this.readyState = MockEventSource.OPEN;
    this.onopen?.(new Event("open"));
  }
  /** A network error: the browser reconnects this same source by itself. */
  fail() {
    this.readyState = MockEventSource.CONNECTING;
    this.onerror?.(new Event("error"));
  }
  /** Any other failure (e.g. an HTTP 503): the source is closed for good. */
  failClosed() {
    this.readyState = MockEventSource.CLOSED;
    this.onerror?.(new Event("error"));
  }
  emit(type: string, data: string) {
    for (const fn of this.listeners.get(type) ?? []) fn(new MessageEvent(type, { data }));
  }
}

export function installEventSource() {
  MockEventSource.instances = [];
  vi.stubGlobal("EventSource", MockEventSource);
}
