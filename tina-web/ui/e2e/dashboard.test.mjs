// End-to-end: the real tina-web binary on a store seeded with the fixed two-phase
// orchestration (tina_web::fixture::seed_demo), driven in Debian's headless Chromium.
// Screenshots go to test-artifacts/web/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launchBrowser, removeHome, screenshotPath, seed, startServer, tempHome } from "./harness.mjs";

const T = { timeout: 60_000 };
let home;
let server;
let browser;
let seeded;

before(async () => {
  home = tempHome();
  seeded = await seed(home, "demo");
  server = await startServer(home);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (server) {
    const { code } = await server.stop();
    assert.equal(code, 0, "tina-web exits cleanly on SIGTERM");
  }
  if (home) removeHome(home);
});

async function openPage(hash, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.base}/${hash}`);
  return { page, errors };
}

describe("tina-web dashboard", () => {
  test("the list shows the seeded orchestration and links to it", T, async () => {
    const { page, errors } = await openPage("");
    const row = page.getByTestId("orch-row-verbose-flag");
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /executing/);
    assert.match(text, /2 \/ 2/);
    assert.match(text, /7 \/ 13 tasks/);
    await page.screenshot({ path: screenshotPath("list-laptop.png"), fullPage: true });
    await row.getByRole("link", { name: "verbose-flag" }).click();
    await page.getByTestId("orchestration-tree").waitFor();
    assert.equal(new URL(page.url()).hash, `#/orchestrations/${seeded.orchestration_id}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("the tree shows both phase teams under the orchestrator, with members and tasks", T, async () => {
    const { page, errors } = await openPage(`#/orchestrations/${seeded.orchestration_id}`);
    await page.getByTestId("orchestration-tree").waitFor();
    assert.equal(
      await page.getByRole("heading", { level: 1 }).innerText(),
      "Orchestration: verbose-flag executing",
    );

    // The orchestrator team apart from the phases, with only its task of no phase
    // (no metadata.phase_number) listed there; its lead owns all its tasks.
    const orchestrator = page.getByTestId("orchestrator");
    const apart = orchestrator.locator("[data-task-id]");
    assert.deepEqual(await apart.evaluateAll((els) => els.map((e) => e.getAttribute("data-task-id"))), ["6"]);
    assert.match(await orchestrator.getByTestId("task-verbose-flag-orchestration-6").innerText(), /pending[\s\S]*finish-orchestration/);
    assert.match(await orchestrator.getByTestId("member-verbose-flag-orchestration-team-lead").innerText(), /owns #1 #2 #3 #4 #5 #6/);

    // Phase 2 is current: open by default, with its orchestrator tasks inside it.
    const phase1Button = page.getByTestId("phase-1").getByRole("button");
    const phase2Button = page.getByTestId("phase-2").getByRole("button");
    assert.equal(await phase2Button.getAttribute("aria-expanded"), "true");
    assert.equal(await phase1Button.getAttribute("aria-expanded"), "false");
    const phase2Orch = page.getByTestId("phase-2").getByTestId("phase-2-orchestrator-tasks");
    assert.deepEqual(
      await phase2Orch.locator("[data-task-id]").evaluateAll((els) => els.map((e) => e.getAttribute("data-task-id"))),
      ["4", "5"],
    );
    // Phase 1 is closed; open it with the keyboard.
    assert.match(await phase1Button.innerText(), /3 orchestrator tasks/);
    await phase1Button.focus();
    await page.keyboard.press("Enter");
    assert.equal(await phase1Button.getAttribute("aria-expanded"), "true");

    // Orchestrator task "1" (plan-phase-1) is inside phase 1, under "Orchestrator tasks",
    // with phase 1's other orchestrator tasks and their status badges.
    const phase1Orch = page.getByTestId("phase-1").getByTestId("phase-1-orchestrator-tasks");
    assert.match(await phase1Orch.innerText(), /^Orchestrator tasks/);
    for (const [id, subject] of [["1", "plan-phase-1"], ["2", "execute-phase-1"], ["3", "review-phase-1"]]) {
      const row = phase1Orch.getByTestId(`task-verbose-flag-orchestration-${id}`);
      assert.match(await row.innerText(), new RegExp(subject));
      assert.equal(await row.locator(".badge").innerText(), "completed");
    }
    assert.equal(await orchestrator.getByTestId("task-verbose-flag-orchestration-1").count(), 0);

    for (const [n, teamName, members, tasks] of [
      [1, "verbose-flag-phase-1", ["implementer", "team-lead", "tester"], { 1: "Implement --verbose flag", 2: "Add tests", 3: "Update README", 4: "Drop legacy logging shim" }],
      [2, "verbose-flag-phase-2", ["implementer", "reviewer", "team-lead"], { 1: "Wire flag into logger", 2: "Add logger tests", 10: "Document log levels" }],
    ]) {
      const team = page.getByTestId(`phase-${n}`).getByTestId(`team-${teamName}`);
      assert.match(await team.innerText(), /under verbose-flag-orchestration/);
      for (const m of members) await team.getByTestId(`member-${teamName}-${m}`).waitFor();
      for (const [id, subject] of Object.entries(tasks)) {
        assert.match(await team.getByTestId(`task-${teamName}-${id}`).innerText(), new RegExp(subject.replace(/[-]/g, "\\-")));
      }
    }
    assert.match(await page.getByTestId("member-verbose-flag-phase-1-implementer").innerText(), /owns #1 #3 #4/);

    // Task "1" of the orchestrator and of each phase team: three distinct rows, the
    // orchestrator's after phase 1's team (it belongs to phase 1).
    const ones = await page.locator('[data-task-id="1"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-team")));
    assert.deepEqual(ones, ["verbose-flag-phase-1", "verbose-flag-orchestration", "verbose-flag-phase-2"]);
    assert.equal(await page.getByTestId("phase-1").locator('[data-task-id="1"]').count(), 2);

    // An unknown status is shown verbatim.
    assert.equal(await page.getByTestId("task-verbose-flag-phase-1-4").locator(".badge").innerText(), "deleted");
    await page.screenshot({ path: screenshotPath("detail-laptop.png"), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("a task event written by another process appears without a reload", T, async () => {
    const { page, errors } = await openPage(`#/orchestrations/${seeded.orchestration_id}`);
    await page.getByTestId("orchestration-tree").waitFor();
    await page.locator('[data-live="live"]').waitFor();
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    assert.equal(await page.getByTestId("task-verbose-flag-phase-2-11").count(), 0);

    const started = Date.now();
    await seed(home, "event", "--team", "verbose-flag-phase-2", "--task", "11", "--status", "in_progress", "--subject", "Late task from e2e", "--owner", "implementer");
    const added = page.getByTestId("task-verbose-flag-phase-2-11");
    await added.waitFor({ timeout: 10_000 });
    const seenAfter = Date.now() - started;
    assert.match(await added.innerText(), /Late task from e2e/);

    await seed(home, "event", "--team", "verbose-flag-phase-2", "--task", "2", "--status", "completed", "--subject", "Add logger tests");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="task-verbose-flag-phase-2-2"] .badge')?.textContent === "completed",
      null,
      { timeout: 10_000 },
    );
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
    console.log(`# live update visible ${seenAfter} ms after the write process started`);
    await page.screenshot({ path: screenshotPath("detail-live-update.png"), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("an unknown orchestration URL shows not found", T, async () => {
    const { page } = await openPage("#/orchestrations/no-such-orchestration");
    await page.getByRole("heading", { name: "Orchestration not found" }).waitFor();
    assert.match(await page.locator('[data-state="not-found"]').innerText(), /no-such-orchestration/);
    assert.equal(await page.locator('[data-state="error"]').count(), 0);
    await page.screenshot({ path: screenshotPath("not-found.png") });

    // Feature names are exact: a prefix is not found either.
    await page.goto(`${server.base}/#/features/verbose`);
    await page.getByRole("heading", { name: "Orchestration not found" }).waitFor();
    await page.goto(`${server.base}/#/features/verbose-flag`);
    await page.getByTestId("orchestration-tree").waitFor();
    await page.close();
  });

  test("phone width: no horizontal scrolling, tree still navigable", T, async () => {
    const { page } = await openPage(`#/orchestrations/${seeded.orchestration_id}`, { width: 390, height: 844 });
    await page.getByTestId("orchestration-tree").waitFor();
    await page.getByRole("button", { name: "Expand all" }).click();
    await page.getByTestId("team-verbose-flag-phase-1").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than a phone screen`);
    await page.screenshot({ path: screenshotPath("detail-phone.png"), fullPage: true });
    await page.goto(`${server.base}/#/`);
    await page.getByTestId("orch-row-verbose-flag").waitFor();
    const listOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(listOverflow <= 0, `list is ${listOverflow}px wider than a phone screen`);
    await page.screenshot({ path: screenshotPath("list-phone.png"), fullPage: true });
    await page.close();
  });
});
