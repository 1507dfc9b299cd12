// Tests the notebook session routes and their WebSocket against the real `openlabs serve`:
// authentication, ownership, the message size and rate limits, runs, widget changes, edits,
// export, the per-user limit, listing and ending sessions and a clean stop of the server.
//
// Usage: node --experimental-websocket tests/notebooks/sessions_api_test.mjs BINARY
// Prints one line per check and "N passed, N failed"; exits 1 when a check failed.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const binary = process.argv[2];
if (binary === undefined || typeof WebSocket === "undefined") {
  console.error("usage: node --experimental-websocket sessions_api_test.mjs OPENLABS_BINARY");
  process.exit(2);
}

let passed = 0;
let failed = 0;
function check(name, condition, detail = "") {
  if (condition) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name} ${detail}`);
  }
}

const notebook = `import marimo
app = marimo.App()

@app.cell
def _():
    import marimo as mo
    slider = mo.ui.slider(1, 10, value=3)
    slider
    return

@app.cell
def _():
    print(slider.value * 10)
    return
`;

// A file widget and a cell that reads the uploaded file.
const uploadNotebook = `import marimo
app = marimo.App()

@app.cell
def _():
    import marimo as mo
    upload = mo.ui.file()
    level = mo.ui.slider(1, 3)
    mo.hstack([upload, level])
    return

@app.cell
def _():
    print(upload.name(), len(upload.contents() or b""), (upload.contents() or b"")[:4])
    return
`;

async function uploadFiles(server, sessionId, widget, token, files) {
  const form = new FormData();
  for (const [name, bytes] of files) form.append("file", new Blob([bytes]), name);
  const response = await fetch(
    `${server.base}/api/v1/notebook-sessions/${sessionId}/widgets/${widget}/files`,
    { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form },
  );
  return { status: response.status, body: await response.json() };
}

function bindPort(port) {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(port, "127.0.0.1", () => {
      const bound = probe.address().port;
      probe.close(() => resolve(bound));
    });
  });
}

// A free port: from OPENLABS_TEST_PORTS ("FIRST-LAST", for machines where each user of the tests
// has a range of its own), else one the kernel chooses.
async function freePort() {
  const range = /^(\d+)-(\d+)$/.exec(process.env.OPENLABS_TEST_PORTS ?? "");
  if (range === null) return bindPort(0);
  const [first, last] = [Number(range[1]), Number(range[2])];
  const start = Math.floor(Math.random() * (last - first + 1));
  for (let i = 0; i <= last - first; i += 1) {
    try {
      return await bindPort(first + ((start + i) % (last - first + 1)));
    } catch {
      // taken; try the next port
    }
  }
  throw new Error(`no free port in OPENLABS_TEST_PORTS=${process.env.OPENLABS_TEST_PORTS}`);
}

// Each run takes its own uid block, so that a server of another test never shares its kernels'
// uids.
const firstUid = 800000 + (process.pid % 4096) * 16;

async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), "openlabs-sessions-test-"));
  const configPath = join(dataDir, "config.toml");
  writeFileSync(
    configPath,
    [
      "[server]",
      'cors_origins = ["http://allowed.example"]',
      "",
      "[notebooks]",
      "pool_size = 1",
      "max_sessions_per_user = 2",
      "websocket_messages_per_second = 20",
      "websocket_max_message_bytes = 4096",
      "max_widget_upload_bytes = 8192",
      "cell_cpu_seconds = 5",
      `sandbox_first_uid = ${firstUid}`,
      "sandbox_uid_count = 16",
      "max_sessions = 8",
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const logPath = join(dataDir, "server.log");
  const log = openSync(logPath, "w");
  const child = spawn(
    binary,
    ["serve", "--config", configPath, "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`],
    { stdio: ["ignore", log, log] },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) {
        return { base, port, child, dataDir, logPath };
      }
    } catch {
      // not listening yet
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`the server did not start:\n${readFileSync(logPath, "utf8").slice(-2000)}`);
}

async function api(server, method, path, token, body) {
  const headers = { accept: "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${server.base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}

async function signUp(server, username) {
  const password = "correct horse battery staple";
  await api(server, "POST", "/auth/register", undefined, {
    username,
    email: `${username}@example.org`,
    password,
    name: username,
    surname: "Tester",
  });
  const login = await api(server, "POST", "/auth/login", undefined, { login: username, password });
  return login.body.access_token;
}

// Opens the session's socket; `first` is the first message (or null for none). Resolves with
// the socket and helpers to wait for events and for the close.
function openSocket(server, eventsPath, first) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${eventsPath}`);
  const events = [];
  const waiters = [];
  let closed = null;
  const closeWaiters = [];
  ws.onopen = () => {
    if (first !== null) ws.send(first);
  };
  ws.onmessage = (message) => {
    const event = JSON.parse(message.data);
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.match(event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  };
  ws.onclose = (event) => {
    closed = { code: event.code, reason: event.reason };
    for (const waiter of closeWaiters) waiter(closed);
  };
  return {
    ws,
    events,
    next(match, timeoutMs = 20000) {
      return this.nextAfter(0, match, timeoutMs);
    },
    // Like next, but skips the first `count` events, so that an event caused by an earlier
    // message is not taken for the reply to a later one.
    nextAfter(count, match, timeoutMs = 20000) {
      const seen = events.slice(count).find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        setTimeout(() => reject(new Error("timed out waiting for an event")), timeoutMs);
      });
    },
    closed(timeoutMs = 20000) {
      if (closed !== null) return Promise.resolve(closed);
      return new Promise((resolve) => {
        closeWaiters.push(resolve);
        setTimeout(() => resolve({ code: -1, reason: "no close within the time limit" }), timeoutMs);
      });
    },
  };
}

// Lists the host processes whose uid is in [first, first + count): the kernels' uid range.
function processesOfUids(first, count) {
  const found = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)[1]);
      if (uid >= first && uid < first + count) {
        found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")}`);
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

// Sends a WebSocket upgrade by hand, with `origin` unless it is null, and resolves with the
// status code of the response.
function rawUpgrade(server, path, origin) {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let head = "";
    socket.on("connect", () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${server.port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
      ];
      if (origin !== null) lines.push(`Origin: ${origin}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    });
    socket.on("data", (chunk) => {
      head += chunk.toString("latin1");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (status !== null) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on("error", reject);
    socket.on("end", () => reject(new Error(`no status line in ${JSON.stringify(head)}`)));
  });
}

const server = await startServer();
try {
  const ada = await signUp(server, "ada");
  const bob = await signUp(server, "bob");

  const unauthenticated = await api(server, "POST", "/notebook-sessions", undefined, {
    source: notebook,
  });
  check("create without token is 401", unauthenticated.status === 401);
  const invalid = await api(server, "POST", "/notebook-sessions", ada, { source: 42 });
  check("create with a non-string source is 422", invalid.status === 422, invalid.status);

  const created = await api(server, "POST", "/notebook-sessions", ada, { source: notebook });
  check("create session is 201", created.status === 201, JSON.stringify(created.body));
  const session = created.body;
  check("created session lists its cells", session.cells.length === 2);

  const plain = await fetch(`${server.base}${session.events}`);
  check("plain GET of the event socket is 426", plain.status === 426);

  for (const [origin, expected] of [
    ["http://evil.example", 403],
    [`http://127.0.0.1:${server.port + 1}`, 403],
    ["null", 403],
    [null, 101],
    [`http://127.0.0.1:${server.port}`, 101],
    ["http://allowed.example", 101],
  ]) {
    const status = await rawUpgrade(server, session.events, origin);
    check(`upgrade with Origin ${origin} is ${expected}`, status === expected, status);
  }

  const other = await api(server, "GET", `/notebook-sessions/${session.id}`, bob);
  check("another user's session is 404", other.status === 404);

  const badToken = openSocket(server, session.events, JSON.stringify({ type: "auth", token: "x" }));
  check("socket with an invalid token closes 1008", (await badToken.closed()).code === 1008);

  const notJson = await openSocket(server, session.events, "hello").closed();
  check(
    "socket whose first message is not JSON closes 1008 with a reason",
    notJson.code === 1008 && notJson.reason.includes("first message"),
    JSON.stringify(notJson),
  );

  const stranger = openSocket(server, session.events, JSON.stringify({ type: "auth", token: bob }));
  check("socket of another user closes 1008", (await stranger.closed()).code === 1008);

  const big = openSocket(server, session.events, "x".repeat(10000));
  check("oversized message closes 1009", (await big.closed()).code === 1009);

  const flood = openSocket(server, session.events, JSON.stringify({ type: "auth", token: ada }));
  await flood.next((event) => event.type === "snapshot");
  for (let i = 0; i < 100; i += 1) flood.ws.send(JSON.stringify({ type: "ping" }));
  check("message flood closes 1008", (await flood.closed()).code === 1008);

  const live = openSocket(server, session.events, JSON.stringify({ type: "auth", token: ada }));
  const snapshot = await live.next((event) => event.type === "snapshot");
  check("socket starts with a snapshot", snapshot.cells.length === 2);
  live.ws.send(JSON.stringify({ type: "run_all" }));
  const widgets = await live.next((event) => event.type === "widgets");
  await live.next((event) => event.type === "stream" && event.text === "30\n");
  check("run_all streams the dependent output", true);
  live.ws.send(
    JSON.stringify({ type: "set_widget", widget: widgets.widgets[0].id, value: 7 }),
  );
  const changed = await live.next((event) => event.type === "stream" && event.text === "70\n");
  check("widget change re-runs the reader", changed.cell === "c2");
  const cellAsWidget = await api(server, "POST", `/notebook-sessions/${session.id}/widgets/c2`, ada, {
    value: 1,
  });
  check("set value of a cell id is 404", cellAsWidget.status === 404, JSON.stringify(cellAsWidget));
  check(
    "unknown widget error names the widget",
    cellAsWidget.body.error.message.includes("c2") &&
      cellAsWidget.body.error.details[0].field === "widget",
    JSON.stringify(cellAsWidget.body),
  );
  const knownWidget = await api(
    server,
    "POST",
    `/notebook-sessions/${session.id}/widgets/${widgets.widgets[0].id}`,
    ada,
    { value: 7 },
  );
  check("set value of a known widget is 202", knownWidget.status === 202, JSON.stringify(knownWidget));
  for (const value of [-1, 500, 3.5, 1e30, "abc"]) {
    const outside = await api(
      server,
      "POST",
      `/notebook-sessions/${session.id}/widgets/${widgets.widgets[0].id}`,
      ada,
      { value },
    );
    check(
      `slider value ${JSON.stringify(value)} is 422 with the reason`,
      outside.status === 422 &&
        outside.body.error.details[0].field === "value" &&
        /must be (between 1 and 10|1 plus a multiple of the step 1|a number)/.test(
          outside.body.error.details[0].message,
        ),
      JSON.stringify(outside),
    );
  }
  let seenEvents = live.events.length;
  live.ws.send(JSON.stringify({ type: "set_widget", widget: widgets.widgets[0].id, value: 500 }));
  const outsideOverSocket = await live.nextAfter(seenEvents, (event) => event.type === "rejected");
  check(
    "socket set_widget outside the range is rejected",
    outsideOverSocket.message.includes("between 1 and 10"),
    outsideOverSocket.message,
  );
  seenEvents = live.events.length;
  live.ws.send(JSON.stringify({ type: "bogus" }));
  const rejected = await live.nextAfter(seenEvents, (event) => event.type === "rejected");
  check("unknown message type is rejected", rejected.message.includes("bogus"), rejected.message);
  seenEvents = live.events.length;
  live.ws.send(JSON.stringify({ type: "run", cells: ["c2", "nope"] }));
  const unknownOverSocket = await live.nextAfter(seenEvents, (event) => event.type === "rejected");
  check(
    "socket run of an unknown cell is rejected naming it",
    unknownOverSocket.message.includes("nope") && !unknownOverSocket.message.includes("c2"),
    unknownOverSocket.message,
  );
  live.ws.send(JSON.stringify({ type: "set_widget", widget: "c1-99", value: 1 }));
  const unknownWidgetOverSocket = await live.next(
    (event) => event.type === "rejected" && event.message.includes("c1-99"),
  );
  check("socket set_widget of an unknown widget is rejected", unknownWidgetOverSocket !== undefined);
  const unknownRun = await api(server, "POST", `/notebook-sessions/${session.id}/run`, ada, {
    cells: ["c1", "missing-1", "missing-2"],
  });
  check(
    "run of unknown cells is 422 naming them",
    unknownRun.status === 422 &&
      unknownRun.body.error.details[0].field === "cells" &&
      unknownRun.body.error.message.includes("missing-1, missing-2"),
    JSON.stringify(unknownRun),
  );

  const edited = await api(server, "PUT", `/notebook-sessions/${session.id}/cells/c2`, ada, {
    code: "print(slider.value + 1000)",
    run: true,
  });
  check("edit and run a cell is 202", edited.status === 202, JSON.stringify(edited.body));
  await live.next((event) => event.type === "stream" && event.text === "1007\n");
  check("edited cell ran with the widget's value", true);
  // The reader prints slider.value * 10, so a rejected value that reached the kernel would show.
  const rejectedOutputs = ["-10\n", "5000\n", "35.0\n", "1e+31\n"];
  const rejectedRuns = live.events.filter(
    (event) => event.type === "stream" && rejectedOutputs.includes(event.text),
  );
  check(
    "no rejected widget value reached the kernel",
    rejectedRuns.length === 0,
    JSON.stringify(rejectedRuns),
  );

  const added = await api(server, "POST", `/notebook-sessions/${session.id}/cells`, ada, {
    code: "y = 2",
    after: "c2",
  });
  check("add a cell is 201", added.status === 201 && typeof added.body.cell === "string");

  const exported = await api(server, "GET", `/notebook-sessions/${session.id}/export`, ada);
  check(
    "export returns the edited notebook",
    exported.status === 200 && exported.body.source.includes("slider.value + 1000"),
  );

  const second = await api(server, "POST", "/notebook-sessions", ada, { source: notebook });
  const third = await api(server, "POST", "/notebook-sessions", ada, { source: notebook });
  check("second session is 201", second.status === 201);
  check("third session over the per-user limit is 429", third.status === 429);

  const listed = await api(server, "GET", "/notebook-sessions", ada);
  check("list sessions is 200", listed.status === 200, JSON.stringify(listed));
  const listedIds = listed.body.items.map((item) => item.id).sort();
  check(
    "list shows the caller's sessions at the limit",
    JSON.stringify(listedIds) === JSON.stringify([session.id, second.body.id].sort()),
    JSON.stringify(listed.body),
  );
  check("list shows the per-user limit", listed.body.max_sessions_per_user === 2);
  const listedFirst = listed.body.items.find((item) => item.id === session.id);
  check("listed source session has no notebook id", listedFirst.notebook_id === null);
  check(
    "listed session has start and activity times",
    listedFirst.started_at > 0 &&
      listedFirst.last_active_at >= listedFirst.started_at &&
      listedFirst.last_active_at <= Date.now() + 1000,
    JSON.stringify(listedFirst),
  );
  check("listed session is not ended", listedFirst.ended === false);
  const bobList = await api(server, "GET", "/notebook-sessions", bob);
  check("list hides other users' sessions", bobList.body.items.length === 0, JSON.stringify(bobList));
  const anonymousList = await api(server, "GET", "/notebook-sessions");
  check("list without token is 401", anonymousList.status === 401);

  const ended = await api(server, "DELETE", `/notebook-sessions/${second.body.id}`, ada);
  check("end session is 204", ended.status === 204);
  const gone = await api(server, "GET", `/notebook-sessions/${second.body.id}`, ada);
  check("ended session is 404", gone.status === 404);
  const afterEnd = await api(server, "GET", "/notebook-sessions", ada);
  check(
    "list drops the ended session",
    afterEnd.body.items.length === 1 && afterEnd.body.items[0].id === session.id,
    JSON.stringify(afterEnd.body),
  );

  // A file widget gets its files through the upload route, past the WebSocket's size limit.
  const withUpload = await api(server, "POST", "/notebook-sessions", ada, {
    source: uploadNotebook,
  });
  check("session with a file widget is 201", withUpload.status === 201);
  const uploadSocket = openSocket(
    server,
    withUpload.body.events,
    JSON.stringify({ type: "auth", token: ada }),
  );
  await uploadSocket.next((event) => event.type === "snapshot");
  uploadSocket.ws.send(JSON.stringify({ type: "run_all" }));
  const fileWidgets = await uploadSocket.next((event) => event.type === "widgets");
  await uploadSocket.next((event) => event.type === "stream" && event.text === "None 0 b''\n");
  const [fileWidget, sliderWidget] = fileWidgets.widgets.map((widget) => widget.id);
  const payload = Buffer.alloc(6000, 0x41);
  payload.write("PK\x03\x04", 0, "latin1");
  const uploaded = await uploadFiles(server, withUpload.body.id, fileWidget, ada, [
    ["data.bin", payload],
  ]);
  check("file upload is 202", uploaded.status === 202, JSON.stringify(uploaded.body));
  const readBack = await uploadSocket.next(
    (event) => event.type === "stream" && event.text.startsWith("data.bin"),
  );
  check(
    "upload re-runs the reader with name and contents",
    readBack.text === "data.bin 6000 b'PK\\x03\\x04'\n",
    JSON.stringify(readBack.text),
  );
  const tooLarge = await uploadFiles(server, withUpload.body.id, fileWidget, ada, [
    ["a.bin", Buffer.alloc(5000)],
    ["b.bin", Buffer.alloc(5000)],
  ]);
  check(
    "upload over the total limit is 413 and names the setting",
    tooLarge.status === 413 &&
      tooLarge.body.error.message.includes("notebooks.max_widget_upload_bytes"),
    JSON.stringify(tooLarge),
  );
  const wrongKind = await uploadFiles(server, withUpload.body.id, sliderWidget, ada, [
    ["c.txt", "x"],
  ]);
  const wrongReply = await uploadSocket.next(
    (event) => event.type === "failed" && event.request === wrongKind.body.request,
  );
  check(
    "upload to a slider fails in the kernel with the reason",
    wrongReply.message.includes("slider"),
    JSON.stringify(wrongReply),
  );
  const cellUpload = await uploadFiles(server, withUpload.body.id, "c2", ada, [["e.txt", "x"]]);
  check("upload to a cell id is 404", cellUpload.status === 404, JSON.stringify(cellUpload));
  check(
    "upload to an unknown widget names it",
    cellUpload.body.error.message.includes("no widget with id c2"),
    JSON.stringify(cellUpload.body),
  );
  const strangerUpload = await uploadFiles(server, withUpload.body.id, fileWidget, bob, [
    ["d.txt", "x"],
  ]);
  check("upload to another user's session is 404", strangerUpload.status === 404);
  const noFiles = await fetch(
    `${server.base}/api/v1/notebook-sessions/${withUpload.body.id}/widgets/${fileWidget}/files`,
    { method: "POST", headers: { authorization: `Bearer ${ada}` }, body: new FormData() },
  );
  check("upload without files is rejected", noFiles.status >= 400 && noFiles.status < 500);
  uploadSocket.ws.close();
  await api(server, "DELETE", `/notebook-sessions/${withUpload.body.id}`, ada);

  // A stored notebook with an asset: the session reads the asset from its work directory, and
  // the owner saves the session's edits over the notebook.
  const lab = await api(server, "POST", "/labs", ada, {
    title: "Sessions lab",
    description: "A lab with a notebook.",
    body: "Run the notebook.",
    tags: [],
  });
  check("create lab is 201", lab.status === 201, JSON.stringify(lab.body));
  const form = new FormData();
  form.append("lab_id", String(lab.body.id));
  form.append(
    "file",
    new Blob([
      notebook.replace("print(slider.value * 10)", "print(open('numbers.csv').read().strip())"),
    ]),
    "stored.py",
  );
  const imported = await fetch(`${server.base}/api/v1/notebooks/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${ada}` },
    body: form,
  });
  const importedBody = await imported.json();
  check("import notebook is 201", imported.status === 201, JSON.stringify(importedBody));
  const notebookId = importedBody.notebook?.id ?? importedBody.id;
  const assetForm = new FormData();
  assetForm.append("files[]", new Blob(["1,2,3\n"]), "numbers.csv");
  const asset = await fetch(`${server.base}/api/v1/notebooks/${notebookId}/assets`, {
    method: "POST",
    headers: { authorization: `Bearer ${ada}` },
    body: assetForm,
  });
  check("upload notebook asset succeeds", asset.ok, asset.status);
  const stored = await api(server, "POST", "/notebook-sessions", bob, { notebook_id: notebookId });
  check("session of a stored notebook is 201", stored.status === 201, JSON.stringify(stored.body));
  const storedList = await api(server, "GET", "/notebook-sessions", bob);
  check(
    "list shows a stored notebook's id",
    storedList.body.items.length === 1 && storedList.body.items[0].notebook_id === notebookId,
    JSON.stringify(storedList.body),
  );
  await api(server, "POST", `/notebook-sessions/${stored.body.id}/run-all`, bob, {});
  await api(server, "GET", `/notebook-sessions/${stored.body.id}/export`, bob);
  const storedSnapshot = await api(server, "GET", `/notebook-sessions/${stored.body.id}`, bob);
  check(
    "stored notebook's cell reads its asset",
    storedSnapshot.body.cells[1].stdout === "1,2,3\n",
    JSON.stringify(storedSnapshot.body.cells[1]),
  );
  await api(server, "DELETE", `/notebook-sessions/${stored.body.id}`, bob);
  const missing = await api(server, "POST", "/notebook-sessions", bob, { notebook_id: 999999 });
  check("session of a missing notebook is 404", missing.status === 404, missing.status);

  const hostile = await api(server, "POST", "/notebook-sessions", bob, {
    source: notebook.replace("print(slider.value * 10)", "print(open('/etc/shadow').read())"),
  });
  const hostileSocket = openSocket(
    server,
    hostile.body.events,
    JSON.stringify({ type: "auth", token: bob }),
  );
  await hostileSocket.next((event) => event.type === "snapshot");
  hostileSocket.ws.send(JSON.stringify({ type: "run_all" }));
  const denied = await hostileSocket.next((event) => event.type === "error");
  check("reading /etc/shadow fails in the cell", denied.message.includes("No such file"));

  const stopping = live.closed();
  server.child.kill("SIGTERM");
  const exitCode = await new Promise((resolve) => server.child.once("exit", resolve));
  check("server stops with status 0", exitCode === 0, exitCode);
  check("stopping closes sockets with 1001", (await stopping).code === 1001);
  // Kernels that the server kills on purpose, pooled ones included, are no warning.
  const killWarnings = readFileSync(server.logPath, "utf8")
    .split("\n")
    .filter((line) => / warning /.test(line) && line.includes("kernel") && line.includes("stopped"));
  check("stopping logs no kernel warning", killWarnings.length === 0, killWarnings.join("\n"));
  // The kernel reaps a dying PID namespace asynchronously, so this polls for two seconds.
  let left = processesOfUids(firstUid, 16);
  for (let attempt = 0; attempt < 20 && left.length > 0; attempt += 1) {
    await new Promise((wake) => setTimeout(wake, 100));
    left = processesOfUids(firstUid, 16);
  }
  check("no kernel process is left", left.length === 0, left.join("; "));
} catch (error) {
  check("test ran to the end", false, error.stack);
  console.log(readFileSync(server.logPath, "utf8").slice(-4000));
} finally {
  if (server.child.exitCode === null) server.child.kill("SIGKILL");
  rmSync(server.dataDir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
