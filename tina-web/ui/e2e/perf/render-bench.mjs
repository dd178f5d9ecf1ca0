// Render benchmark (ARCHITECTURE.md §5: first render of a 2,000-task orchestration in
// headless Chromium < 1 s). Not a test: prints medians, asserts nothing about time.
//
//   npm run build && cargo build -p tina-web --bins --examples && npm run bench:render
//
// Each run opens the detail URL in a fresh browser context against the real tina-web
// binary and records, inside the page, the time from navigation start until the tree is
// in the DOM (HTML + JS + the detail API call + JSON parse + React render), then until
// the next frame; then clicks "Expand all" and times rendering all 2,000 task rows.
import { writeFileSync } from "node:fs";
import { launchBrowser, removeHome, screenshotPath, seed, startServer, tempHome } from "../harness.mjs";

const TASKS = Number(process.env.TASKS ?? 2000);
const RUNS = Number(process.env.RUNS ?? 9);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const home = tempHome();
let server;
let browser;
try {
  const seeded = await seed(home, "bulk", "--recent", "--tasks", String(TASKS), "--phases", "4", "--feature", "perf-2000");
  server = await startServer(home);
  browser = await launchBrowser();
  const url = `${server.base}/#/orchestrations/${seeded.orchestration_id}`;
  const results = { treeInDom: [], nextFrame: [], expandAll: [], rowsDefault: 0, rowsExpanded: 0 };

  for (let i = 0; i < RUNS + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window;
      const seen = () => {
        if (!w.__treeAt && document.querySelector('[data-testid="orchestration-tree"] .task')) {
          w.__treeAt = performance.now();
          requestAnimationFrame(() => setTimeout(() => (w.__frameAt = performance.now()), 0));
        }
      };
      new MutationObserver(seen).observe(document, { childList: true, subtree: true });
    });
    await page.goto(url);
    await page.waitForFunction(() => window.__frameAt !== undefined, null, { timeout: 30_000 });
    const { treeAt, frameAt, rows } = await page.evaluate(() => ({
      treeAt: window.__treeAt,
      frameAt: window.__frameAt,
      rows: document.querySelectorAll(".task").length,
    }));
    const expand = await page.evaluate(async () => {
      const button = [...document.querySelectorAll("button")].find((b) => b.textContent === "Expand all");
      const t0 = performance.now();
      button.click();
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return { ms: performance.now() - t0, rows: document.querySelectorAll(".task").length };
    });
    if (i === 0) {
      // Warm-up run (first start of the browser and the server's page cache): not counted.
      await page.screenshot({ path: screenshotPath("perf-2000-expanded.png") });
    } else {
      results.treeInDom.push(treeAt);
      results.nextFrame.push(frameAt);
      results.expandAll.push(expand.ms);
    }
    results.rowsDefault = rows;
    results.rowsExpanded = expand.rows;
    await context.close();
  }

  const summary = {
    tasks: seeded.task_total,
    runs: RUNS,
    rows_rendered_first: results.rowsDefault,
    rows_rendered_expanded: results.rowsExpanded,
    median_ms: {
      first_render_tree_in_dom: Math.round(median(results.treeInDom)),
      first_render_next_frame: Math.round(median(results.nextFrame)),
      expand_all_2000_rows: Math.round(median(results.expandAll)),
    },
    samples_ms: {
      first_render_next_frame: results.nextFrame.map(Math.round),
      expand_all_2000_rows: results.expandAll.map(Math.round),
    },
    target: "first render < 1000 ms",
  };
  console.log(JSON.stringify(summary, null, 2));
  writeFileSync(screenshotPath("render-bench.json"), JSON.stringify(summary, null, 2));
} finally {
  await browser?.close();
  await server?.stop();
  removeHome(home);
}
