// End-to-end: waiting on a person, spend and budgets, through the real binaries only.
// `tina-session` creates the orchestration (with a budget) and its phase team (linked to
// the lead session of Claude Code 2.1.332's recorded hook payloads); the real
// `tina-daemon` reads the lead's transcript (usage per message, one model without a
// price) and the team config, and turns the real `Notification` (permission_prompt)
// payload, piped into `tina-session hook`, into a waiting event; the real `tina-web`
// serves it to Debian's headless Chromium. The page must show the badge (row, header
// count, phase, member), the spend and the budget bar, follow a budget change live, and
// drop the badge when the same session acts again (the recorded `Stop` payload).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { daemonBin, launchBrowser, removeHome, repoRoot, screenshotPath, sessionBin, startServer, tempHome } from "./harness.mjs";

const run = promisify(execFile);
const T = { timeout: 120_000 };
const FEATURE = "pay-e2e";
/** The lead session of the recorded 2.1.332 payloads (hooks, team config). */
const SESSION = "8739ce96-1dac-48df-8c52-26613812a012";
const FIXTURES = path.join(repoRoot, "tina-session", "tests", "fixtures", "claude-code-2.1.332");

let home;
let tinaHome;
let claudeHome;
let daemon;
let server;
let browser;

const env = () => ({ ...process.env, TINA_HOME: tinaHome, CLAUDE_HOME: claudeHome, TINA_CONVEX_URL: "", RUST_LOG: "warn" });

async function session(...args) {
  const { stdout } = await run(sessionBin, [...args, "--tina-home", tinaHome, "--claude-home", claudeHome], { env: env() });
  return stdout;
}

/** Pipes a recorded hook payload into `tina-session hook`, as the plugin's hooks.json does. */
function hook(name) {
  return new Promise((resolve, reject) => {
    const child = spawn(sessionBin, ["hook", "--tina-home", tinaHome, "--claude-home", claudeHome], {
      env: env(),
      stdio: ["pipe", "ignore", "inherit"],
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tina-session hook ${name} exited ${code}`))));
    child.stdin.end(readFileSync(path.join(FIXTURES, "hooks", `${name}.json`)));
  });
}

/** One assistant message as Claude Code writes it into a transcript. */
function assistant(i, model, usage) {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    type: "assistant",
    uuid: `uuid-${i}`,
    requestId: `req_${i}`,
    sessionId: SESSION,
    timestamp: new Date().toISOString(),
    message: { id: `msg_${i}`, type: "message", role: "assistant", model, content: [{ type: "text", text: "<script>alert(1)</script>" }], usage },
  });
}

async function status() {
  return JSON.parse(await session("status", "--feature", FEATURE, "--json"));
}

async function waitFor(what, fn, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  home = tempHome();
  tinaHome = path.join(home, "tina");
  claudeHome = path.join(home, "claude");
  mkdirSync(claudeHome, { recursive: true });
  writeFileSync(path.join(home, "design.md"), "# Payments\n");
  writeFileSync(path.join(home, "plan.md"), "# Phase 1\n");
  await session("init", "--feature", FEATURE, "--design-doc", path.join(home, "design.md"), "--no-worktree", "--total-phases", "2", "--budget-usd", "50");
  await session("start", "--feature", FEATURE, "--phase", "1", "--plan", path.join(home, "plan.md"), "--runtime", "none");
  await session("register-team", "--orchestration-id", FEATURE, "--team", `${FEATURE}-phase-1`, "--phase-number", "1", "--lead-session-id", SESSION);
  // What Claude Code writes for that lead: its team config (members) and its transcript.
  const teamDir = path.join(claudeHome, "teams", `session-${SESSION.slice(0, 8)}`);
  mkdirSync(teamDir, { recursive: true });
  copyFileSync(path.join(FIXTURES, "team-config.json"), path.join(teamDir, "config.json"));
  const projects = path.join(claudeHome, "projects", "-home-dev-project");
  mkdirSync(projects, { recursive: true });
  const usage = { input_tokens: 20_000, output_tokens: 4_000, cache_creation_input_tokens: 10_000, cache_read_input_tokens: 60_000 };
  const lines = [0, 1, 2].map((i) => assistant(i, "claude-sonnet-4-5-20250929", usage));
  lines.push(assistant(3, "claude-e2e-model-without-a-price", { input_tokens: 1_000, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }));
  writeFileSync(path.join(projects, `${SESSION}.jsonl`), lines.join("\n") + "\n");
  // The lead asks for permission (the real payload, through the real hook command).
  await hook("Notification-permission_prompt");
  daemon = spawn(daemonBin, ["--tina-home", tinaHome, "--claude-home", claudeHome], { env: env(), stdio: ["ignore", "ignore", "inherit"] });
  await waitFor("the daemon to record usage and the wait", async () => {
    const s = await status();
    return s.usage?.total?.messages === 4 && (s.attention ?? []).some((a) => a.kind === "waiting" && a.cleared_at === null);
  });
  server = await startServer(tinaHome);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (daemon) {
    const exited = daemon.exitCode !== null || daemon.signalCode !== null;
    const gone = exited ? Promise.resolve() : new Promise((r) => daemon.once("exit", r));
    daemon.kill("SIGTERM");
    await gone;
  }
  if (server) {
    const { code } = await server.stop();
    assert.equal(code, 0, "tina-web exits cleanly on SIGTERM");
  }
  if (home) removeHome(home);
});

async function openPage(hash) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("dialog", (d) => {
    errors.push(`dialog: ${d.message()}`);
    d.dismiss();
  });
  await page.goto(`${server.base}/${hash}`);
  return { page, errors };
}

const usd = (n) => `$${n.toFixed(2)}`;

describe("waiting on a person, spend and budgets", () => {
  test("the list badges the row, counts it in the header and shows spend and budget", T, async () => {
    const s = await status();
    const cost = s.usage.total.cost_usd;
    assert.ok(cost > 0.1, `priced messages cost something: ${cost}`);
    const { page, errors } = await openPage("");
    const row = page.getByTestId(`orch-row-${FEATURE}`);
    await row.getByTestId("waiting-badge").waitFor();
    assert.equal(await row.getByTestId("waiting-badge").innerText(), "⚑ Waiting on you");
    assert.equal(await page.getByTestId("waiting-count").innerText(), "⚑ 1 orchestration is waiting on you");
    assert.equal(await page.getByTestId("facet-waiting").innerText(), "1");
    assert.match(await row.getByTestId("open-waiting").innerText(), /^Waiting on you \(permission prompt\) for \d+ s: team-lead of team pay-e2e-phase-1 is waiting on a person: Claude needs your permission/);
    const spend = await row.getByTestId("spend").innerText();
    assert.ok(spend.startsWith(`${usd(cost)} · `), `${spend} starts with the CLI's ${usd(cost)}`);
    assert.match(spend, /⚠ 1 message of an unpriced model \(cost unknown\)/);
    assert.match(await row.getByTestId("budget-all").innerText(), new RegExp(`^Budget: \\${usd(cost)} of \\$50\\.00 \\(1 %\\)$`));

    // Lower the budget with the real CLI: the open page follows, warning in words.
    const budget = Math.ceil((cost / 0.85) * 100) / 100;
    await session("budget", "--feature", FEATURE, "--usd", String(budget));
    await page.waitForFunction(() => /over 80 % of budget/.test(document.querySelector('[data-testid="budget-all"]')?.textContent ?? ""));
    const meter = row.getByRole("meter", { name: "Budget" });
    assert.match(await meter.getAttribute("aria-valuetext"), /over 80 % of budget$/);
    await page.screenshot({ path: screenshotPath("waiting-list.png"), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("the detail page badges phase and member, shows spend per team and clears when the session acts", T, async () => {
    const s = await status();
    const { page, errors } = await openPage(`#/orchestrations/${s.orchestration?.id ?? s.id ?? ""}`);
    await page.getByTestId("orchestration-tree").waitFor();
    await page.getByTestId("open-banner").waitFor();
    assert.equal(await page.locator("h1").getByTestId("waiting-badge").innerText(), "⚑ Waiting on you");
    assert.equal(await page.getByTestId("open-banner").getAttribute("role"), "alert");
    assert.equal(await page.getByTestId("phase-1-waiting").innerText(), "⚑ Waiting on you");
    const lead = page.getByTestId(`member-${FEATURE}-phase-1-team-lead`);
    assert.equal(await lead.getByTestId("member-waiting").innerText(), "⚑ Waiting on you");
    assert.equal(await page.getByTestId(`member-${FEATURE}-phase-1-implementer`).getByTestId("member-waiting").count(), 0);
    const team = await page.getByTestId(`team-spend-${FEATURE}-phase-1`).innerText();
    assert.ok(team.includes(usd(s.usage.total.cost_usd)), `${team} shows the team's spend`);
    assert.match(await page.getByTestId("spend-card").innerText(), /over 80 % of budget/);
    assert.equal(await page.title(), `⚑ ${FEATURE} · Executing · TINA`);
    // No agent text became markup (the transcript's text and messages stay text).
    assert.equal(await page.locator("script:not([src])").count(), 0);
    await page.screenshot({ path: screenshotPath("waiting-detail.png"), fullPage: true });

    // The same session acts again (its turn ends): the daemon clears the wait, live.
    const t0 = Date.now();
    await hook("Stop");
    await page.getByTestId("open-waiting").waitFor({ state: "detached", timeout: 20_000 });
    console.log(`# Stop hook -> badge gone on the open page: ${Date.now() - t0} ms`);
    // What remains open is the budget warning the daemon raised at 85 %: no longer an alert.
    assert.match(await page.getByTestId("open-budget_warning").innerText(), /^Budget warning for \d+ s: 8\d% of the budget of 'pay-e2e' spent/);
    assert.equal(await page.getByTestId("open-banner").getAttribute("role"), "status");
    assert.equal(await page.getByTestId("waiting-badge").count(), 0);
    assert.equal(await page.getByTestId("phase-1-waiting").count(), 0);
    assert.equal(await lead.getByTestId("member-waiting").count(), 0);
    assert.equal(await page.title(), `${FEATURE} · Executing · TINA`);
    const list = await openPage("");
    await list.page.getByTestId(`orch-row-${FEATURE}`).waitFor();
    assert.equal(await list.page.getByTestId("waiting-count").count(), 0);
    assert.equal(await list.page.getByTestId("waiting-badge").count(), 0);
    assert.deepEqual(errors, []);
    assert.deepEqual(list.errors, []);
    await list.page.close();
    await page.close();
  });
});
