// Copies the deployable Convex sources into .stage/, the functions directory that
// convex.json points the Convex CLI at. The functions live at the root of this npm
// package, next to node_modules/, tests/ and the test double; the CLI bundles every
// .ts/.js file under its functions directory, so it gets a clean copy instead.
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stage = join(root, ".stage");
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage);
for (const name of readdirSync(root)) {
  // Function modules are single-dot .ts files (the CLI skips multi-dot names anyway).
  if (/^[A-Za-z0-9_]+\.ts$/.test(name) || name === "tsconfig.json") {
    cpSync(join(root, name), join(stage, name));
  }
}
for (const dir of ["model", "_generated"]) {
  cpSync(join(root, dir), join(stage, dir), { recursive: true });
}
console.log(`staged Convex functions in ${stage}: ${readdirSync(stage).sort().join(", ")}`);
