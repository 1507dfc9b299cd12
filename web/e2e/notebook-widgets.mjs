// Browser test of the notebook widgets beyond plain inputs: a range slider, a table selection,
// a file upload larger than a WebSocket message, a form around a batch, a matrix, a dictionary,
// a bounded number field, a slider with steps and tabs. Each change must re-run the cell that
// reads the widget, and a value outside a widget's range must show the server's reason.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { screenshotBothThemesInPlace } from "./browser.mjs";

const widgetsNotebook = `import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    return (mo,)


@app.cell
def _(mo):
    span = mo.ui.range_slider(0, 10, value=[2, 5], label="span")
    span
    return (span,)


@app.cell
def _(span):
    print(f"span {span.value[0]}-{span.value[1]}")
    return


@app.cell
def _(mo):
    people = mo.ui.table([{"name": "Ada"}, {"name": "Bo"}, {"name": "Cy"}], label="people")
    people
    return (people,)


@app.cell
def _(people):
    print("picked", [row["name"] for row in people.value])
    return


@app.cell
def _(mo):
    upload = mo.ui.file(label="data file")
    upload
    return (upload,)


@app.cell
def _(upload):
    print("file", upload.name(), len(upload.contents() or b""))
    return


@app.cell
def _(mo):
    entry = mo.md("{who} {count}").batch(
        who=mo.ui.text(label="who"), count=mo.ui.number(value=1, label="count")
    ).form()
    entry
    return (entry,)


@app.cell
def _(entry):
    print("form", entry.value)
    return


@app.cell
def _(mo):
    grid = mo.ui.matrix([[1, 2], [3, 4]], label="grid")
    flags = mo.ui.dictionary({"loud": mo.ui.checkbox(label="loud")})
    mo.hstack([grid, flags])
    return (flags, grid)


@app.cell
def _(flags, grid):
    print("trace", grid.value[0][0] + grid.value[1][1], "loud", flags.value["loud"])
    return


@app.cell
def _(mo):
    tries = mo.ui.number(1, 5, value=2, label="tries")
    tries
    return (tries,)


@app.cell
def _(tries):
    print("tries", tries.value)
    return


@app.cell
def _(mo):
    zoom = mo.ui.slider(steps=[1, 2, 5, 10], value=2, label="zoom")
    view = mo.ui.tabs({"Plot": mo.md("the plot tab"), "Table": mo.md("the table tab")})
    mo.vstack([zoom, view])
    return (view, zoom)


@app.cell
def _(view, zoom):
    print("zoom", zoom.value, "view", view.value)
    return
`;

async function apiCall(baseUrl, method, path, token, body) {
  const headers = { accept: "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: payload });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text === "" ? null : JSON.parse(text);
}

/** The corpus folder: $OPENLABS_CORPUS_DIR, or ../shared/corpus beside the repository. */
const corpusDir =
  process.env.OPENLABS_CORPUS_DIR ??
  resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/corpus");

/** Publishes a lab by the user of `token` whose only file is `notebook`, named `filename`. */
async function publishNotebookLab(baseUrl, token, title, filename, notebook) {
  const lab = await apiCall(baseUrl, "POST", "/labs", token, {
    title,
    description: `The notebook ${filename}.`,
    body: "Run the notebook below.",
    tags: [],
  });
  const form = new FormData();
  form.append("files[]", new Blob([notebook]), filename);
  await apiCall(baseUrl, "POST", `/labs/${lab.id}/assets`, token, form);
  return lab;
}

/**
 * Runs the compound interest notebook, whose sliders sit in the cells of a `mo.ui.table` inside
 * `mo.md`: they must be live sliders, and moving one must re-run the cell that reads it.
 */
async function sliderTableNotebook({ page, baseUrl, tokens, outputDir, axeReport }) {
  const path = join(corpusDir, "marimo-notebooks/misc_compound_interest.py");
  if (!existsSync(path)) {
    console.log(`e2e: notebook widgets: skipped the slider table, no notebook at ${path}`);
    return;
  }
  console.log("e2e: notebook widgets: sliders inside a table inside Markdown");
  const lab = await publishNotebookLab(
    baseUrl,
    tokens.access_token,
    "Compound interest",
    "misc_compound_interest.py",
    readFileSync(path, "utf8"),
  );

  await page.goto(`${baseUrl}/labs/${lab.id}`);
  const notebook = page.locator("[data-notebook='misc_compound_interest.py']");
  await notebook.getByRole("button", { name: "Start notebook" }).click();
  await notebook.locator("[data-connection=connected]").waitFor();
  await notebook.getByRole("button", { name: "Run all" }).click();
  await notebook.getByText("in 30 years you will have approximately").waitFor();

  const sliders = notebook.locator("td input[type=range]");
  assert.equal(await sliders.count(), 5, "the parameter table should hold five sliders");
  const escaped = await notebook.getByText("<openlabs-widget", { exact: false }).count();
  assert.equal(escaped, 0, "widget markup shows as text");
  const years = sliders.nth(3);
  await years.focus();
  await page.keyboard.press("ArrowRight");
  await notebook.getByText("in 31 years you will have approximately").waitFor();

  await notebook.getByRole("heading", { name: "Investment Parameters" }).scrollIntoViewIfNeeded();
  const shots = join(outputDir, "screenshots");
  await screenshotBothThemesInPlace(page, shots, "notebook-slider-table", axeReport);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshotBothThemesInPlace(page, shots, "notebook-slider-table-phone", axeReport);
  await page.setViewportSize({ width: 1280, height: 900 });
  await notebook.getByRole("button", { name: "End session" }).click();
}

const exitingNotebook = `import marimo

app = marimo.App()


@app.cell
def _():
    import os
    os._exit(3)
    return


@app.cell
def _():
    print("after the exit")
    return
`;

/**
 * A cell that ends the kernel process ends the session: the page says so, stops waiting for
 * queued cells and offers to start the notebook again.
 */
async function kernelExit({ page, baseUrl, tokens, outputDir, axeReport }) {
  console.log("e2e: notebook widgets: a kernel that exits ends the session on the page");
  const lab = await publishNotebookLab(
    baseUrl,
    tokens.access_token,
    "Exiting kernel",
    "exiting.py",
    exitingNotebook,
  );
  await page.goto(`${baseUrl}/labs/${lab.id}`);
  const notebook = page.locator("[data-notebook='exiting.py']");
  await notebook.getByRole("button", { name: "Start notebook" }).click();
  await notebook.locator("[data-connection=connected]").waitFor();
  await notebook.getByRole("button", { name: "Run all" }).click();

  await notebook.locator("[data-connection=ended]").waitFor();
  assert.equal(await notebook.getByText("session ended", { exact: true }).count(), 1);
  await notebook.getByText("The session ended:").waitFor();
  assert.equal(await notebook.locator("[data-status=queued]").count(), 0, "a cell stays queued");
  assert.equal(await notebook.locator("[data-status=running]").count(), 0, "a cell stays running");
  assert.equal(await notebook.getByRole("button", { name: "End session" }).count(), 0);
  await screenshotBothThemesInPlace(
    page,
    join(outputDir, "screenshots"),
    "notebook-kernel-exit",
    axeReport,
  );

  await notebook.getByRole("button", { name: "Start notebook" }).click();
  await notebook.locator("[data-connection=connected]").waitFor();
  const runAll = notebook.getByRole("button", { name: "Run all" });
  assert.equal(await runAll.isEnabled(), true, "Run all stays disabled after a new start");
  assert.equal(await notebook.getByText("The session ended:").count(), 0);
  await notebook.getByRole("button", { name: "End session" }).click();
}

/** Returns the ids of the user's open notebook sessions. */
async function openSessionIds(baseUrl, token) {
  const list = await apiCall(baseUrl, "GET", "/notebook-sessions", token);
  return list.items.map((item) => item.id);
}

/**
 * Leaving the page ends its session, and at the session limit the panel offers to end the
 * sessions that other pages left open.
 */
async function sessionLifetime({ page, baseUrl, lab, tokens, outputDir, axeReport }) {
  console.log("e2e: notebook widgets: sessions end with the page; the limit offers to end them");
  const token = tokens.access_token;
  const notebook = page.locator("[data-notebook='widgets.py']");
  await page.goto(`${baseUrl}/labs/${lab.id}`);
  await notebook.getByRole("button", { name: "Start notebook" }).click();
  await notebook.locator("[data-connection=connected]").waitFor();
  assert.equal((await openSessionIds(baseUrl, token)).length, 1);
  await page.goto(`${baseUrl}/labs`);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if ((await openSessionIds(baseUrl, token)).length === 0) break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(await openSessionIds(baseUrl, token), [], "leaving the page kept its session");

  for (let i = 0; i < 2; i += 1) {
    await apiCall(baseUrl, "POST", "/notebook-sessions", token, { source: widgetsNotebook });
  }
  await page.goto(`${baseUrl}/labs/${lab.id}`);
  await notebook.getByRole("button", { name: "Start notebook" }).click();
  await notebook.getByText("You have 2 sessions open on other pages or tabs").waitFor();
  const shots = join(outputDir, "screenshots");
  await screenshotBothThemesInPlace(page, shots, "notebook-session-limit", axeReport);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshotBothThemesInPlace(page, shots, "notebook-session-limit-phone", axeReport);
  await page.setViewportSize({ width: 1280, height: 900 });
  await notebook.getByRole("button", { name: "End them and start this notebook" }).click();
  await notebook.locator("[data-connection=connected]").waitFor();
  assert.equal((await openSessionIds(baseUrl, token)).length, 1);
  await notebook.getByRole("button", { name: "End session" }).click();
}

/** Registers a user and publishes a lab whose only file is the widgets notebook. */
async function publishLab(baseUrl) {
  const password = "a long test passphrase";
  await apiCall(baseUrl, "POST", "/auth/register", undefined, {
    username: "wendy",
    email: "wendy@example.org",
    password,
    name: "Wendy",
    surname: "Widgets",
  });
  const tokens = await apiCall(baseUrl, "POST", "/auth/login", undefined, {
    login: "wendy",
    password,
  });
  const lab = await apiCall(baseUrl, "POST", "/labs", tokens.access_token, {
    title: "Widgets tour",
    description: "Every kind of notebook widget.",
    body: "Try the widgets below.",
    tags: [],
  });
  const form = new FormData();
  form.append("files[]", new Blob([widgetsNotebook]), "widgets.py");
  await apiCall(baseUrl, "POST", `/labs/${lab.id}/assets`, tokens.access_token, form);
  return { lab, tokens };
}

/** Waits for a line that the cell reading a widget printed. */
function printed(notebook, text) {
  return notebook.locator("[data-stream=stdout]").filter({ hasText: text }).waitFor();
}

export async function notebookWidgets({ browser, baseUrl, outputDir, axeReport }) {
  const { lab, tokens } = await publishLab(baseUrl);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  await context.addInitScript(
    (pair) => {
      window.localStorage.setItem("openlabs.session", JSON.stringify(pair));
    },
    { accessToken: tokens.access_token, refreshToken: tokens.refresh_token },
  );
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  try {
    console.log(
      "e2e: notebook widgets: range slider, table, file, form, matrix, dictionary, steps, tabs",
    );
    await page.goto(`${baseUrl}/labs/${lab.id}`);
    const notebook = page.locator("[data-notebook='widgets.py']");
    await notebook.getByRole("button", { name: "Start notebook" }).click();
    await notebook.locator("[data-connection=connected]").waitFor();
    await notebook.getByRole("button", { name: "Run all" }).click();
    await printed(notebook, "span 2-5");
    await printed(notebook, "trace 5 loud False");

    const high = notebook.getByRole("slider", { name: "span high" });
    await high.focus();
    await page.keyboard.press("ArrowRight");
    await printed(notebook, "span 2-6");

    await notebook.getByRole("checkbox", { name: "Select row 3" }).check();
    await printed(notebook, "picked ['Cy']");
    await notebook.getByRole("checkbox", { name: "Select row 1" }).check();
    await printed(notebook, "picked ['Ada', 'Cy']");

    // Larger than the WebSocket's 64 KiB message limit, so it must go through the upload route.
    const upload = notebook.locator("input[type=file]");
    await upload.setInputFiles({
      name: "points.csv",
      mimeType: "text/csv",
      buffer: Buffer.alloc(200_000, "1,2\n"),
    });
    await printed(notebook, "file points.csv 200000");
    await upload.setInputFiles({
      name: "huge.bin",
      mimeType: "application/octet-stream",
      buffer: Buffer.alloc(5 << 20),
    });
    await notebook.getByRole("alert").filter({ hasText: "bytes" }).waitFor();

    const form = notebook.getByRole("form");
    await form.getByLabel("who").fill("Ada");
    await form.getByLabel("who").press("Tab");
    await form.getByLabel("count").fill("3");
    await form.getByLabel("count").press("Tab");
    // Edits inside a form wait for the submit.
    await page.waitForTimeout(300);
    assert.equal(
      await notebook.locator("[data-stream=stdout]").filter({ hasText: "form {" }).count(),
      0,
      "a form sent its value before the submit",
    );
    await form.getByRole("button", { name: "Submit" }).click();
    await printed(notebook, "form {'who': 'Ada', 'count': 3}");

    await notebook.getByLabel("grid row 2 column 2").fill("10");
    await notebook.getByLabel("grid row 2 column 2").press("Tab");
    await printed(notebook, "trace 11 loud False");
    await notebook.getByRole("checkbox", { name: "loud" }).check();
    await printed(notebook, "trace 11 loud True");

    // The field lets the user type 9, but the server rejects a value above the widget's stop, and
    // the page shows the reason in its console instead of dropping the change silently.
    await printed(notebook, "tries 2");
    await notebook.getByLabel("tries").fill("9");
    await notebook.getByLabel("tries").press("Tab");
    await notebook
      .getByLabel("Console")
      .filter({ hasText: "Invalid value for number" })
      .filter({ hasText: "must be between 1 and 5, got 9" })
      .waitFor();
    await notebook.getByLabel("tries").fill("4");
    await notebook.getByLabel("tries").press("Tab");
    await printed(notebook, "tries 4");
    assert.equal(
      await notebook.locator("[data-stream=stdout]").filter({ hasText: "tries 9" }).count(),
      0,
      "the rejected value reached the kernel",
    );

    await printed(notebook, "zoom 2 view Plot");
    const zoom = notebook.getByRole("slider", { name: "zoom" });
    await zoom.focus();
    await page.keyboard.press("ArrowRight");
    await printed(notebook, "zoom 5 view Plot");

    const tableTab = notebook.getByRole("tab", { name: "Table" });
    await tableTab.click();
    await printed(notebook, "zoom 5 view Table");
    await notebook.getByRole("tabpanel").filter({ hasText: "the table tab" }).waitFor();
    assert.equal(await notebook.getByText("the plot tab", { exact: true }).isVisible(), false);
    await page.keyboard.press("ArrowLeft");
    await printed(notebook, "zoom 5 view Plot");

    await screenshotBothThemesInPlace(
      page,
      join(outputDir, "screenshots"),
      "notebook-widgets",
      axeReport,
    );
    await notebook.getByRole("button", { name: "End session" }).click();

    await sliderTableNotebook({ page, baseUrl, tokens, outputDir, axeReport });
    await kernelExit({ page, baseUrl, tokens, outputDir, axeReport });
    await sessionLifetime({ page, baseUrl, lab, tokens, outputDir, axeReport });
    assert.deepEqual(errors, [], "the notebook page threw uncaught errors");
  } catch (error) {
    await page.screenshot({
      path: join(outputDir, "notebook-widgets-failure.png"),
      fullPage: true,
    });
    throw error;
  } finally {
    await context.close();
  }
}
