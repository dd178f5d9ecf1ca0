// Shared pieces of the browser tests and the render benchmark: the seeding program, the
// real tina-web server on a temp TINA_HOME, and Debian's headless Chromium via playwright-core.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../../..");
const targetDir = process.env.CARGO_TARGET_DIR
  ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
  : path.join(repoRoot, "target");
export const serverBin = process.env.TINA_WEB_BIN ?? path.join(targetDir, "debug", "tina-web");
export const seedBin = process.env.TINA_WEB_SEED ?? path.join(targetDir, "debug", "examples", "seed");
export const sessionBin = process.env.TINA_SESSION_BIN ?? path.join(targetDir, "debug", "tina-session");
export const daemonBin = process.env.TINA_DAEMON_BIN ?? path.join(targetDir, "debug", "tina-daemon");
export const artifactsDir = path.join(repoRoot, "test-artifacts", "web");

const run = promisify(execFile);

export function tempHome() {
  return mkdtempSync(path.join(tmpdir(), "tina-web-e2e-"));
}

export function removeHome(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs the seed example (a separate process using the tina-session library). */
export async function seed(home, ...args) {
  const { stdout } = await run(seedBin, [...args, "--tina-home", home], {
    env: { ...process.env, TINA_CONVEX_URL: "" },
  });
  return JSON.parse(stdout);
}

/** Starts `tina-web serve --port 0` on `home`; resolves once it prints its address. */
export function startServer(home) {
  const child = spawn(serverBin, ["serve", "--port", "0", "--tina-home", home], {
    env: { ...process.env, TINA_CONVEX_URL: "", RUST_LOG: process.env.RUST_LOG ?? "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`tina-web did not print its address within 20 s; stdout: ${out}`));
    }, 20_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${serverBin}: ${e.message} (build it: cargo build -p tina-web --bins --examples)`));
    });
    const early = (code) => {
      clearTimeout(timer);
      reject(new Error(`tina-web exited early with ${code}; stdout: ${out}`));
    };
    child.once("exit", early);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /tina-web listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        // Only the early-exit check: `exited` (what stop() resolves with) keeps listening.
        child.removeListener("exit", early);
        resolve({
          base: m[1],
          async stop() {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
  });
}

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

export function screenshotPath(name) {
  mkdirSync(artifactsDir, { recursive: true });
  return path.join(artifactsDir, name);
}
