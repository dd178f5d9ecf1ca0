// The test double for a Convex deployment: the REAL functions in this folder, run by
// convex-test's in-memory backend, served on a loopback HTTP endpoint so the Rust
// `ConvexStore` can run the shared conformance suite against them
// (tina-session/tests/conformance_convex.rs starts it).
//
// Protocol (modeled on Convex's HTTP function API, values in Convex's JSON encoding,
// e.g. int64 as {"$integer": "<base64 little-endian>"}):
//   POST /instances                          -> {"id": "<n>"}  a fresh, empty deployment
//   POST /instances/<id>/api/query|mutation  body {"path": "module:function", "args": {...}}
//        -> {"status": "success", "value": ...}
//         | {"status": "error", "errorMessage": "...", "errorData": ...}  (ConvexError data)
//   POST /instances/<id>/seed-tasks          body {"team_id": "...", "count": <n>}
//        -> {} writes tasks "1".."n" of that team straight into the tables (tests/seed.ts;
//           convex-test scans every document per index lookup, so recording tens of
//           thousands of events through the functions would take quadratic time here)
//   DELETE /instances/<id>                   -> drops that deployment
// Every instance holds the deployment key from this process's TINA_CONVEX_KEY (the Rust
// suite sets it), so calls without that key are refused as on a real deployment.
// It listens on 127.0.0.1 (port from argv[2], default 0 = any free port), prints
// "TINA_CONVEX_DOUBLE_LISTENING http://127.0.0.1:<port>" on stdout, and exits when its
// stdin closes, so it never outlives the test process that started it.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import { ConvexError, convexToJson, jsonToConvex, type Value } from "convex/values";
import schema from "../schema";
import { seedTasks } from "../tests/seed";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The function modules, keyed the way `import.meta.glob` would key them. */
function functionModules(): Record<string, () => Promise<any>> {
  const modules: Record<string, () => Promise<any>> = {};
  for (const dir of [root, join(root, "model"), join(root, "_generated")]) {
    for (const name of readdirSync(dir)) {
      if (!/\.(ts|js)$/.test(name) || name.endsWith(".d.ts") || name.split(".").length > 2) continue;
      const file = join(dir, name);
      modules["./" + relative(root, file).split("\\").join("/")] = () => import(pathToFileURL(file).href);
    }
  }
  return modules;
}

const modules = functionModules();
const instances = new Map<string, ReturnType<typeof convexTest>>();
let nextInstance = 1;

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function call(t: ReturnType<typeof convexTest>, kind: string, body: string) {
  const { path, args } = JSON.parse(body) as { path: string; args: any };
  if (typeof path !== "string" || !/^[A-Za-z0-9_/]+:[A-Za-z0-9_]+$/.test(path)) {
    return { status: "error", errorMessage: `invalid function path ${JSON.stringify(path)}` };
  }
  try {
    const decoded = jsonToConvex(args ?? {}) as Record<string, Value>;
    const value =
      kind === "query"
        ? await t.query(makeFunctionReference<"query">(path), decoded)
        : await t.mutation(makeFunctionReference<"mutation">(path), decoded);
    return { status: "success", value: convexToJson(value as Value) };
  } catch (err) {
    if (err instanceof ConvexError) {
      return { status: "error", errorMessage: err.message, errorData: convexToJson(err.data as Value) };
    }
    return { status: "error", errorMessage: err instanceof Error ? err.message : String(err) };
  }
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "POST" && parts.length === 1 && parts[0] === "instances") {
      const id = String(nextInstance++);
      instances.set(id, convexTest(schema, modules));
      return send(res, 200, { id });
    }
    const t = parts[0] === "instances" ? instances.get(parts[1] ?? "") : undefined;
    if (t === undefined) return send(res, 404, { error: `no such instance or route: ${url.pathname}` });
    if (req.method === "DELETE" && parts.length === 2) {
      instances.delete(parts[1]);
      return send(res, 200, {});
    }
    if (req.method === "POST" && parts.length === 3 && parts[2] === "seed-tasks") {
      const { team_id, count } = JSON.parse(await readBody(req)) as { team_id: string; count: number };
      await t.run((ctx) => seedTasks(ctx, team_id as any, count));
      return send(res, 200, {});
    }
    const kind = parts[3];
    if (req.method === "POST" && parts.length === 4 && parts[2] === "api" && (kind === "query" || kind === "mutation")) {
      return send(res, 200, await call(t, kind, await readBody(req)));
    }
    return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  } catch (err) {
    return send(res, 400, { error: err instanceof Error ? err.message : String(err) });
  }
});

if ((process.env.TINA_CONVEX_KEY ?? "") === "") {
  process.stderr.write("the Convex double needs TINA_CONVEX_KEY set (the key its deployments hold)\n");
  process.exit(2);
}

const port = Number(process.argv[2] ?? 0);
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  process.stdout.write(`TINA_CONVEX_DOUBLE_LISTENING http://127.0.0.1:${address.port}\n`);
});

// The parent holds our stdin; when it exits (or closes it) we go too.
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
