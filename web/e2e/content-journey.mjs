// Browser test of what authors and learners write. A lab imported from a folder of Jekyll-style
// course notes, with raw HTML figures that load images from `/assets/…`, shows those images and
// no markup as text, and its double-backslash math typesets.
// Typed work survives an expired session: after signing in again, the submission form and the
// comment box are refilled and name the files to choose again.
// It runs in browser contexts of its own, with a fresh author and learner.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { openPage, screenshotBothThemes } from "./browser.mjs";
import { solidPng } from "./fixtures.mjs";
import { password, signUp, typeInEditor } from "./journey.mjs";

function step(name) {
  console.log(`e2e: ${name}`);
}

// The markup of a figure in the Stanford CS231n notes, and their kramdown math.
const courseNote = `---
layout: page
title: Linear classification
---

Table of Contents:

- [Data](#data)

<a name='data'></a>

### Toy data

<div class="fig figcenter fighighlight">
  <img src="/assets/eg/spiral_raw.png">
  <div class="figcaption">
    The toy spiral data: <b>three classes</b> that are not linearly separable.
  </div>
</div>

The loss \\\\(L_i\\\\) of one example, and the regularization strength \\\\(\\lambda\\\\).

<div style="position: fixed; inset: 0">An attempt to cover the page</div>
<img src="x" onerror="document.title = 'injected'">
`;

/**
 * Writes a folder shaped like the CS231n notes (a page beside a site-wide assets/ folder) and
 * imports it with `openlabs import labs` into the running server's data directory.
 */
function importCourseNote(server, author) {
  const folder = mkdtempSync(join(tmpdir(), "openlabs-e2e-notes-"));
  try {
    mkdirSync(join(folder, "notes", "assets", "eg"), { recursive: true });
    writeFileSync(join(folder, "notes", "linear-classify.md"), courseNote);
    writeFileSync(
      join(folder, "notes", "assets", "eg", "spiral_raw.png"),
      solidPng(40, 30, [200, 60, 20]),
    );
    return execFileSync(
      server.binary,
      ["import", "labs", join(folder, "notes"), "--data-dir", server.dataDir, "--author", author],
      { encoding: "utf8" },
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Ends the session of `page` as the server would: another tab signs out everywhere and leaves an
 * access token that the server rejects, so the next request fails and the refresh fails too.
 */
async function expireSession(context, baseUrl) {
  const other = await context.newPage();
  // A page of the same origin that runs no app code, so that nothing there refreshes or clears
  // the session while this test changes it.
  await other.goto(`${baseUrl}/healthz`);
  const status = await other.evaluate(async () => {
    const session = JSON.parse(window.localStorage.getItem("openlabs.session"));
    const response = await fetch("/api/v1/auth/logout-all", {
      method: "POST",
      headers: { Authorization: `Bearer ${session.accessToken}` },
    });
    window.localStorage.setItem(
      "openlabs.session",
      JSON.stringify({ ...session, accessToken: "expired.access.token" }),
    );
    return response.status;
  });
  assert.ok(status < 300, `logout-all returned ${status}`);
  await other.close();
}

/**
 * Presses a form's send button after the session ended. The app may already have gone to the
 * sign-in page on its own, when a background request found the session ended first.
 */
async function sendAfterExpiry(button) {
  await button.click({ timeout: 3_000 }).catch(() => undefined);
}

async function signInAgain(page, username) {
  await page.getByText("Your session has expired.").waitFor();
  await page.getByLabel("Username or email").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Types into the submission and comment forms, lets the session expire, and signs in again. */
async function checkDraftsSurviveExpiry(browser, baseUrl, labId, shots, axeReport) {
  const { context, page, pageErrors } = await openPage(browser);
  try {
    await signUp(page, baseUrl, "lena");

    step("content: an answer typed before the session expired is back after signing in");
    await page.goto(`${baseUrl}/labs/${labId}/submit`);
    await typeInEditor(page, "My answer: the spiral needs a hidden layer.");
    await page.locator("input[type=file]").setInputFiles({
      name: "spiral.py",
      mimeType: "text/x-python",
      buffer: Buffer.from("print('spiral')\n"),
    });
    await expireSession(context, baseUrl);
    await sendAfterExpiry(page.getByRole("button", { name: /Submit for review/ }));
    await page.waitForURL((url) => url.pathname === "/sign-in");
    await signInAgain(page, "lena");
    await page.waitForURL((url) => url.pathname === `/labs/${labId}/submit`);
    const notice = page.getByTestId("restored-draft");
    await notice.getByText("We restored your answer").waitFor();
    await notice.getByText("Choose this file again: spiral.py.").waitFor();
    const editor = page.locator("[data-testid=markdown-editor] .cm-content").first();
    assert.equal(await editor.textContent(), "My answer: the spiral needs a hidden layer.");
    await screenshotBothThemes(page, shots, "submit-restored-draft", axeReport);
    await notice.waitFor();

    step("content: the restored answer is sent and its draft forgotten");
    await page.locator("input[type=file]").setInputFiles({
      name: "spiral.py",
      mimeType: "text/x-python",
      buffer: Buffer.from("print('spiral')\n"),
    });
    await page.getByRole("button", { name: /Submit for review/ }).click();
    await page.waitForURL((url) => /^\/submissions\/\d+$/.test(url.pathname));
    await page.getByText("the spiral needs a hidden layer").waitFor();
    await page.goto(`${baseUrl}/labs/${labId}/submit`);
    await page.getByRole("button", { name: /Submit for review/ }).waitFor();
    assert.equal(await page.getByTestId("restored-draft").count(), 0);
    assert.equal(await editor.textContent(), "");

    step("content: a comment typed before the session expired is back after signing in");
    await page.goto(`${baseUrl}/labs/${labId}`);
    await page.getByLabel("Add a comment").fill("Why three classes?");
    await expireSession(context, baseUrl);
    await sendAfterExpiry(page.getByRole("button", { name: "Comment", exact: true }));
    await page.waitForURL((url) => url.pathname === "/sign-in");
    await signInAgain(page, "lena");
    await page.waitForURL((url) => url.pathname === `/labs/${labId}`);
    assert.equal(await page.getByLabel("Add a comment").inputValue(), "Why three classes?");
    await page.getByTestId("restored-draft").getByText("We restored your comment").waitFor();
    await page.getByRole("button", { name: "Comment", exact: true }).click();
    await page.getByTestId("comment").getByText("Why three classes?").waitFor();
    assert.equal(await page.getByLabel("Add a comment").inputValue(), "");
    assert.equal(await page.getByTestId("restored-draft").count(), 0);

    assert.deepEqual(pageErrors, [], "the draft pages threw uncaught errors");
  } finally {
    await context.close();
  }
}

export async function contentJourney({ browser, baseUrl, server, outputDir, axeReport }) {
  const shots = join(outputDir, "screenshots");
  const { context, page, pageErrors } = await openPage(browser);

  try {
    step("content: an imported lab with raw HTML figures shows its images");
    await signUp(page, baseUrl, "noor");
    const output = importCourseNote(server, "noor");
    const labId = /as lab (\d+) with 1 asset\b/.exec(output)?.[1];
    assert.ok(labId !== undefined, `the import did not report one lab with its image:\n${output}`);
    await page.goto(`${baseUrl}/labs/${labId}`);
    const body = page.locator(".markdown");
    await body.getByText("three classes").waitFor();
    const image = body.locator("img").first();
    await image.evaluate((element) => element.scrollIntoView());
    await page.waitForFunction(() => {
      const element = document.querySelector(".markdown img[src^='/api/']");
      return element !== null && element.complete && element.naturalWidth > 0;
    });
    assert.equal(await image.evaluate((element) => element.naturalWidth), 40);
    assert.match(await image.getAttribute("src"), new RegExp(`^/api/v1/labs/${labId}/assets/`));
    assert.equal(await body.locator("b").textContent(), "three classes");
    const text = await body.textContent();
    assert.ok(!text.includes("<div"), `a div shown as text: ${text}`);
    assert.ok(!text.includes("<img"), `an img shown as text: ${text}`);

    step("content: the sanitizer drops styles and event handlers");
    // KaTeX's own spans carry style attributes, so only the author's elements are checked.
    const cover = body.getByText("An attempt to cover the page");
    assert.equal(await cover.getAttribute("style"), null);
    assert.equal(await cover.evaluate((element) => getComputedStyle(element).position), "static");
    assert.equal(await body.locator("[onerror], [class*='fixed']").count(), 0);
    assert.equal(await body.locator("img").count(), 2);
    assert.notEqual(await page.title(), "injected");

    step("content: the table of contents reaches its anchor");
    const tocHref = await body.getByRole("link", { name: "Data" }).getAttribute("href");
    assert.equal(tocHref, "#user-content-data");
    assert.equal(await body.locator('a[name="user-content-data"]').count(), 1);

    step("content: double-backslash math typesets");
    assert.equal(await body.locator(".katex").count(), 2);
    assert.ok(!text.includes("$L_i$"), "inline math shown as text");
    await screenshotBothThemes(page, shots, "lab-html-figure", axeReport);

    await checkDraftsSurviveExpiry(browser, baseUrl, labId, shots, axeReport);

    assert.deepEqual(pageErrors, [], "the content pages threw uncaught errors");
  } finally {
    await context.close();
  }
}
