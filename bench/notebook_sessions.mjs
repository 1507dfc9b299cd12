// Benchmarks notebook sessions of `openlabs serve` side by side with a plain python3 process
// kept open and a Jupyter kernel (bench/jupyter_peer.py), and writes a Markdown page.
//
// Usage: node --experimental-websocket bench/notebook_sessions.mjs --binary PATH
//          [--rounds N] [--widget-rounds N] [--starts N] [--output FILE.md]
//
// Measures, through the real HTTP API and WebSocket on 127.0.0.1:
// - session start from the pool (POST /notebook-sessions with a started kernel waiting) and
//   cold (pool_size = 0, so the request starts the kernel);
// - the round trip of a trivial cell (`x = 1`): a `run` message on the WebSocket until the
//   request's `done` event;
// - the round trip of a widget change that re-runs two dependent cells: a `set_widget` message
//   until its `done` event;
// - memory per idle session: the proportional set size (Pss) of all processes under the
//   sessions' uids, divided by the number of kernels.
import { spawn, spawnSync } from "node:child_process";
import {
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const options = {
  binary: resolve(benchDir, "../build/src/app/openlabs"),
  rounds: 300,
  widgetRounds: 100,
  starts: 10,
  output: join(benchDir, "notebook-sessions.md"),
};
for (let i = 2; i < process.argv.length; i += 2) {
  const [name, value] = [process.argv[i], process.argv[i + 1]];
  const key = {
    "--binary": "binary",
    "--rounds": "rounds",
    "--widget-rounds": "widgetRounds",
    "--starts": "starts",
    "--output": "output",
  }[name];
  if (key === undefined || value === undefined) {
    console.error(
      `unknown option ${name}; see the usage at the top of bench/notebook_sessions.mjs`,
    );
    process.exit(2);
  }
  options[key] = typeof options[key] === "number" ? Number(value) : value;
}
if (typeof WebSocket === "undefined") {
  console.error(
    "run with node --experimental-websocket (Node 20) or Node 22 and later",
  );
  process.exit(2);
}

const firstUid = 700000 + (process.pid % 4096) * 32;
const uidCount = 32;

const trivialNotebook = `import marimo
app = marimo.App()

@app.cell
def _():
    x = 1
    return
`;

const widgetNotebook = `import marimo
app = marimo.App()

@app.cell
def _():
    import marimo as mo
    slope = mo.ui.slider(1, 10, value=3)
    slope
    return

@app.cell
def _():
    doubled = slope.value * 2
    return

@app.cell
def _():
    print(doubled)
    return
`;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
};
const percentile = (values, fraction) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))
  ];
};
const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));
const now = () => performance.now();

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

async function startServer(poolSize) {
  const dataDir = mkdtempSync(join(tmpdir(), "openlabs-session-bench-"));
  const config = join(dataDir, "config.toml");
  writeFileSync(
    config,
    `[notebooks]\npool_size = ${poolSize}\nmax_sessions_per_user = 8\nmax_sessions = 16\n` +
      `sandbox_first_uid = ${firstUid}\nsandbox_uid_count = ${uidCount}\n` +
      "websocket_messages_per_second = 10000\n",
  );
  const port = await freePort();
  const log = openSync(join(dataDir, "server.log"), "w");
  const child = spawn(
    options.binary,
    [
      "serve",
      "--config",
      config,
      "--data-dir",
      dataDir,
      "--listen",
      `127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", log, log] },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  const server = { base, port, child, dataDir };
  const password = "benchmark passphrase 1";
  await api(server, "POST", "/auth/register", undefined, {
    username: "bench",
    email: "bench@example.org",
    password,
    name: "Bench",
    surname: "Mark",
  });
  server.token = (
    await api(server, "POST", "/auth/login", undefined, {
      login: "bench",
      password,
    })
  ).body.access_token;
  return server;
}

async function stopServer(server) {
  server.child.kill("SIGTERM");
  await new Promise((resolveExit) => server.child.once("exit", resolveExit));
  rmSync(server.dataDir, { recursive: true, force: true });
}

async function api(server, method, path, token, body) {
  const headers = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${server.base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? null : JSON.parse(text),
  };
}

// Counts the kernels waiting in the pool or serving sessions: processes whose uid is in the
// block, and sums their proportional set size in KiB.
function kernelProcesses() {
  const uids = new Set();
  let pssKib = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const uid = Number(
        /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1],
      );
      if (uid < firstUid || uid >= firstUid + uidCount) continue;
      uids.add(uid);
      pssKib += Number(
        /^Pss:\s+(\d+)/m.exec(
          readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"),
        )[1],
      );
    } catch {
      // the process ended meanwhile
    }
  }
  return { kernels: uids.size, pssKib };
}

async function waitForPool(size) {
  for (
    let attempt = 0;
    attempt < 600 && kernelProcesses().kernels < size;
    attempt += 1
  ) {
    await sleep(50);
  }
  // The process appears before its Python has started and sent `ready`.
  await sleep(1500);
}

// A session's socket with a promise for the next `done` event.
async function openSession(server, source) {
  const created = await api(
    server,
    "POST",
    "/notebook-sessions",
    server.token,
    { source },
  );
  if (created.status !== 201) {
    throw new Error(
      `creating a session failed: ${JSON.stringify(created.body)}`,
    );
  }
  const ws = new WebSocket(
    `ws://127.0.0.1:${server.port}${created.body.events}`,
  );
  const session = {
    id: created.body.id,
    ws,
    cells: created.body.cells,
    waiters: [],
    events: [],
  };
  ws.onmessage = (message) => {
    const event = JSON.parse(message.data);
    session.events.push(event);
    const waiter = session.waiters.find((candidate) => candidate.match(event));
    if (waiter !== undefined) {
      session.waiters.splice(session.waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };
  session.next = (match) =>
    new Promise((resolveEvent) =>
      session.waiters.push({ match, resolve: resolveEvent }),
    );
  const snapshot = session.next((event) => event.type === "snapshot");
  ws.onopen = () =>
    ws.send(JSON.stringify({ type: "auth", token: server.token }));
  await snapshot;
  return session;
}

async function roundTrip(session, message) {
  const done = session.next(
    (event) => event.type === "done" || event.type === "failed",
  );
  const started = now();
  session.ws.send(JSON.stringify(message));
  const reply = await done;
  if (reply.type !== "done")
    throw new Error(`request failed: ${JSON.stringify(reply)}`);
  return now() - started;
}

async function measureStarts(server, count) {
  const times = [];
  for (let i = 0; i < count; i += 1) {
    if (server.poolSize > 0) await waitForPool(server.poolSize);
    const started = now();
    const created = await api(
      server,
      "POST",
      "/notebook-sessions",
      server.token,
      {
        source: trivialNotebook,
      },
    );
    times.push(now() - started);
    if (created.status !== 201)
      throw new Error(`start failed: ${JSON.stringify(created.body)}`);
    await api(
      server,
      "DELETE",
      `/notebook-sessions/${created.body.id}`,
      server.token,
    );
  }
  return times;
}

const loadBefore = readFileSync("/proc/loadavg", "utf8")
  .split(" ")
  .slice(0, 3)
  .join(" ");
console.error("bench: cold session starts (pool_size = 0)");
const cold = await startServer(0);
cold.poolSize = 0;
const coldStarts = await measureStarts(cold, options.starts);
await stopServer(cold);

console.error(
  "bench: pooled session starts, round trips and memory (pool_size = 2)",
);
const server = await startServer(2);
server.poolSize = 2;
const pooledStarts = await measureStarts(server, options.starts);

const trivial = await openSession(server, trivialNotebook);
const trivialCell = trivial.cells[0].id;
await roundTrip(trivial, { type: "run_all" });
const trivialMs = [];
for (let i = 0; i < options.rounds; i += 1) {
  trivialMs.push(
    await roundTrip(trivial, { type: "run", cells: [trivialCell] }),
  );
}

const widget = await openSession(server, widgetNotebook);
await roundTrip(widget, { type: "run_all" });
const widgetEvent = widget.events.find((event) => event.type === "widgets");
const widgetId = widgetEvent.widgets[0].id;
const widgetMs = [];
for (let i = 0; i < options.widgetRounds; i += 1) {
  widgetMs.push(
    await roundTrip(widget, {
      type: "set_widget",
      widget: widgetId,
      value: (i % 10) + 1,
    }),
  );
}
const printed = widget.events.filter((event) => event.type === "stream").length;

// Idle memory: the two sessions above, two more, and the two pooled kernels.
await openSession(server, trivialNotebook);
await openSession(server, trivialNotebook);
await waitForPool(6);
await sleep(2000);
const memory = kernelProcesses();
await stopServer(server);

console.error("bench: python3 kept open and a Jupyter kernel");
const peers = spawnSync(
  "/usr/bin/python3",
  [
    join(benchDir, "jupyter_peer.py"),
    String(options.rounds),
    String(options.widgetRounds),
  ],
  {
    encoding: "utf8",
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
  },
);
if (peers.status !== 0) {
  console.error(peers.stderr);
  process.exit(1);
}
const peer = JSON.parse(peers.stdout);
const loadAfter = readFileSync("/proc/loadavg", "utf8")
  .split(" ")
  .slice(0, 3)
  .join(" ");

const fmt = (value) => (value < 10 ? value.toFixed(3) : value.toFixed(1));
const row = (name, values, note = "") =>
  `| ${name} | ${fmt(median(values))} | ${fmt(percentile(values, 0.9))} | ${values.length} | ${note} |`;
const jupyter = peer.jupyter;
const trivialMedian = median(trivialMs);
const lines = [
  "# Notebook session benchmarks",
  "",
  `Measured by \`bench/notebook_sessions.mjs\` on ${new Date().toISOString()} (${
    readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ??
    "unknown CPU"
  }, ${spawnSync("nproc", { encoding: "utf8" }).stdout.trim()} cores). Load average ${loadBefore} before and ${loadAfter} after.`,
  "Every session number goes through the real server: HTTP for starts, the session's WebSocket",
  "for round trips, a sandboxed kernel under its own uid. The peers run the same code in the same run.",
  "",
  "## Session start",
  "",
  "| case | median ms | p90 ms | runs | note |",
  "|---|---|---|---|---|",
  row(
    "from the pool",
    pooledStarts,
    "a started kernel was waiting; target under 50 ms",
  ),
  row(
    "cold",
    coldStarts,
    "pool_size = 0: bubblewrap and the kernel's Python start in the request",
  ),
  row(
    "python3 process",
    [peer.python3.start_ms],
    "one start: spawn and first reply",
  ),
  jupyter
    ? row("Jupyter kernel", [jupyter.start_ms], "one start: start_new_kernel")
    : null,
  "",
  "## Round trips",
  "",
  "| case | median ms | p90 ms | runs | note |",
  "|---|---|---|---|---|",
  row(
    "session: trivial cell `x = 1`",
    trivialMs,
    "WebSocket `run` to its `done` event; target under 2 ms",
  ),
  row(
    "python3 kept open: `x = 1`",
    peer.python3.trivial_ms,
    "a pipe and exec(): the limit",
  ),
  jupyter
    ? row(
        "Jupyter kernel: `x = 1`",
        jupyter.trivial_ms,
        "execute request to reply and idle",
      )
    : null,
  row(
    "session: widget change, two dependent cells",
    widgetMs,
    `set_widget to \`done\`; ${printed} printed lines seen`,
  ),
  row(
    "python3 kept open: the same three steps",
    peer.python3.widget_ms,
    "assign, compute, print",
  ),
  jupyter
    ? row(
        "Jupyter kernel: the same code",
        jupyter.widget_ms,
        "one execute request",
      )
    : null,
  "",
  jupyter
    ? `Trivial cell: the session takes ${(trivialMedian / median(jupyter.trivial_ms)).toFixed(2)} times the Jupyter kernel's median and ${(trivialMedian / median(peer.python3.trivial_ms)).toFixed(0)} times the plain process's.`
    : `Jupyter was not measured: ${peer.jupyter_error}`,
  "",
  "## Memory per idle session",
  "",
  `${memory.kernels} kernels (4 idle sessions and 2 pooled) use ${(memory.pssKib / 1024).toFixed(1)} MiB of proportional set size together: ${(memory.pssKib / 1024 / Math.max(1, memory.kernels)).toFixed(1)} MiB per kernel, with \`numpy\`, \`pandas\` and \`matplotlib\` not yet imported.`,
  "",
].filter((line) => line !== null);
writeFileSync(options.output, `${lines.join("\n")}\n`);
console.error(`bench: wrote ${options.output}`);
