// The user journey of the end-to-end test, step by step. Each step logs its name, so a failure
// shows where it happened.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

import {
  checkKeyboard,
  collectFailures,
  runAxe,
  screenshotBothThemes,
  screenshotBothThemesInPlace,
} from "./browser.mjs";
import { onePagePdf, solidPng } from "./fixtures.mjs";
import { totpCode } from "./totp.mjs";

export const password = "a long test passphrase";

// A marimo notebook with a slider and a cell that prints a value computed from it.
const sliderNotebook = `import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    slope = mo.ui.slider(1, 10, value=3, label="slope")
    slope
    return


@app.cell
def _():
    print(f"slope {slope.value * 10}")
    return
`;

function step(name) {
  console.log(`e2e: ${name}`);
}

export async function typeInEditor(page, text) {
  const editor = page.locator("[data-testid=markdown-editor] .cm-content").first();
  await editor.click();
  await page.keyboard.insertText(text);
}

export async function signUp(page, baseUrl, username) {
  await page.goto(`${baseUrl}/sign-up`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(`${username}@example.org`);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Repeat the password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: /^Welcome/ }).waitFor();
}

async function signIn(page, baseUrl, username) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Username or email").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: /^Welcome/ }).waitFor();
}

async function signOut(page) {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("link", { name: "Sign in" }).first().waitFor();
}

async function expectBalance(page, points) {
  await page
    .getByTestId("points-balance")
    .filter({ hasText: `${points} points` })
    .waitFor();
}

/** Loads `url` afresh and returns its largest contentful paint in milliseconds. */
async function measureLcp(page, url) {
  await page.goto(url);
  await page.waitForLoadState("networkidle");
  return page.evaluate(
    () =>
      new Promise((resolveLcp) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          resolveLcp(entries[entries.length - 1].startTime);
        }).observe({ type: "largest-contentful-paint", buffered: true });
      }),
  );
}

/** Creates a moderator with `openlabs user create` on the server's own database. */
function createModerator(server, username) {
  execFileSync(
    server.binary,
    [
      "user",
      "create",
      "--username",
      username,
      "--email",
      `${username}@example.org`,
      "--password-stdin",
      "--moderator",
      "--data-dir",
      server.dataDir,
    ],
    { input: `${password}\n`, stdio: "pipe" },
  );
}

async function claimSubmission(page) {
  await page.getByRole("button", { name: "Claim for review" }).click();
  await page.getByRole("button", { name: "Release" }).waitFor();
}

/** Writes a review of a claimed submission on its review page and sends it. */
async function reviewSubmission(page, { feedback, verdict, score, attachment }) {
  await typeInEditor(page, feedback);
  await page.getByLabel(verdict).check();
  await page.getByLabel("Score (0 to 100)").fill(String(score));
  if (attachment !== undefined) {
    await page.locator("input[type=file]").setInputFiles(attachment);
  }
  await page.getByRole("button", { name: "Send review" }).click();
  await page.getByText(/Your review was sent\. You earned 3 points\./).waitFor();
}

export async function journey({ page, baseUrl, server, outputDir, axeReport, metrics }) {
  const shots = join(outputDir, "screenshots");
  const shoot = (name) => screenshotBothThemes(page, shots, name, axeReport);
  const keyboard = [];
  metrics.keyboard = keyboard;
  /** Tabs through the current page and fails on a control the keyboard misses. */
  const tabThrough = async (name) => {
    const result = await checkKeyboard(page);
    keyboard.push({ page: name, ...result });
    assert.deepEqual(result.unreached, [], `${name}: controls the keyboard cannot reach`);
    assert.deepEqual(result.noIndicator, [], `${name}: controls with no visible focus`);
    assert.ok(result.checked > 0, `${name}: no interactive element found`);
  };
  /** Opens `url`, waits for `ready`, and fails on console errors and failed API requests. */
  const openWithoutErrors = async (name, url, ready) => {
    const failures = await collectFailures(page, async () => {
      await page.goto(url);
      await ready();
    });
    assert.deepEqual(failures, [], `${name}: console errors or failed requests`);
  };

  step("landing page");
  await page.goto(baseUrl);
  await page.getByRole("heading", { name: "Learn by doing, and by reviewing" }).waitFor();
  await shoot("landing");
  await tabThrough("landing");
  await page.goto(`${baseUrl}/sign-in`);
  await shoot("sign-in");
  await page.goto(`${baseUrl}/sign-up`);
  await shoot("sign-up");

  step("sign-up form validates before sending");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByText("Use 3 to 32 characters.").waitFor();

  step("author signs up and sees 10 points");
  await signUp(page, baseUrl, "alice");
  await expectBalance(page, 10);
  await page.getByText("You have not submitted anything yet.").waitFor();
  await page.getByText("Nothing to review right now.").waitFor();
  await page.getByText("Nothing to recommend yet.").waitFor();
  await shoot("home-empty");

  step("profile edit persists");
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByLabel("First name").fill("Alice");
  await page.getByLabel("Last name").fill("Author");
  await page.getByLabel("Bio").fill("Writes statistics labs.");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.getByText("Your profile has been saved.").waitFor();
  await page.reload();
  assert.equal(await page.getByLabel("First name").inputValue(), "Alice");
  assert.equal(await page.getByLabel("Bio").inputValue(), "Writes statistics labs.");
  await shoot("settings");

  step("theme toggle switches and persists");
  await page.evaluate(() => window.localStorage.removeItem("openlabs.theme"));
  await page.reload();
  const startsDark = await page.evaluate(() => document.documentElement.classList.contains("dark"));
  await page.getByTestId("theme-toggle").click();
  assert.equal(
    await page.evaluate(() => document.documentElement.classList.contains("dark")),
    !startsDark,
  );
  await page.reload();
  assert.equal(
    await page.evaluate(() => document.documentElement.classList.contains("dark")),
    !startsDark,
    "the theme choice did not survive a reload",
  );
  assert.equal(
    await page.evaluate(() => window.localStorage.getItem("openlabs.theme")),
    startsDark ? "light" : "dark",
  );
  await page.getByTestId("theme-toggle").click();

  step("author creates a lab with math, a table, code and an image asset");
  await page.goto(`${baseUrl}/labs/new`);
  await shoot("lab-editor");
  await tabThrough("lab editor");
  await page.getByLabel("Title").fill("Linear regression by hand");
  await page.getByLabel("Short description").fill("Fit a line with least squares.");
  await page.getByLabel("Tags").fill("statistics, python");
  await typeInEditor(
    page,
    [
      "## Task",
      "",
      "Minimise $\\sum_i (y_i - a x_i - b)^2$ and also \\(a > 0\\).",
      "",
      "$$\\hat a = \\frac{\\operatorname{cov}(x, y)}{\\operatorname{var}(x)}$$",
      "",
      "| x | y |",
      "|---|---|",
      "| 1 | 2 |",
      "",
      "```python",
      "def fit(xs, ys):",
      "    return 0",
      "```",
      "",
      "![The data](./plot.png)",
    ].join("\n"),
  );
  await page.locator("input[type=file]").setInputFiles([
    {
      name: "plot.png",
      mimeType: "image/png",
      buffer: solidPng(120, 60, [30, 90, 200]),
    },
    { name: "explore.py", mimeType: "text/x-python", buffer: Buffer.from(sliderNotebook) },
  ]);
  await page.getByRole("button", { name: "Publish lab" }).click();
  await page.waitForURL(/\/labs\/\d+$/);
  const labUrl = page.url();
  await page.getByRole("heading", { name: "Linear regression by hand" }).waitFor();

  step("the pages of a lab without grader or rubric log no error and request neither");
  await openWithoutErrors("lab page", labUrl, () =>
    page.getByRole("heading", { name: "Linear regression by hand" }).waitFor(),
  );
  await openWithoutErrors("lab edit page", `${labUrl}/edit`, async () => {
    await page.getByText("No grader is attached.").waitFor();
    await page.getByTestId("rubric-state").filter({ hasText: "No rubric is set" }).waitFor();
  });
  await page.goto(labUrl);

  step("lab page renders math, table, code and the asset image");
  await page.locator(".markdown .katex").first().waitFor();
  assert.ok((await page.locator(".markdown .katex").count()) >= 3, "expected three formulas");
  assert.equal(await page.locator(".markdown .katex-display").count(), 1);
  assert.equal(await page.locator(".markdown table").count(), 1);
  assert.ok((await page.locator(".markdown pre code.hljs .hljs-keyword").count()) >= 1);

  step("the table's scrolling region takes keyboard focus with a ring in both themes");
  const tableRegion = page.getByRole("region", { name: "Table: x, y" });
  const rings = [];
  for (let theme = 0; theme < 2; theme += 1) {
    // Shift+Tab then Tab, so that the focus comes from the keyboard and :focus-visible applies.
    await tableRegion.focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    rings.push(
      await tableRegion.evaluate((element) => {
        const style = getComputedStyle(element);
        const focused = document.activeElement === element;
        return { focused, style: style.outlineStyle, color: style.outlineColor };
      }),
    );
    await page.getByTestId("theme-toggle").click();
  }
  for (const ring of rings) {
    assert.ok(ring.focused, "Tab did not reach the table's region");
    assert.equal(ring.style, "solid", "the table's region shows no focus ring");
  }
  assert.notEqual(rings[0].color, rings[1].color, "the focus ring should follow the theme");

  // Editing adds a second link to the same asset, by its plain path.
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByText("link it with").first().waitFor();
  await page.locator("[data-testid=markdown-editor] .cm-content").first().click();
  await page.keyboard.press("Control+End");
  await page.keyboard.insertText("\n\n![Plot](plot.png)\n");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(labUrl);
  const image = page.locator(".markdown img[alt=Plot]");
  await image.waitFor();
  await page.waitForFunction(() => {
    const element = document.querySelector(".markdown img[alt=Plot]");
    return element !== null && element.complete && element.naturalWidth === 120;
  });
  assert.match(await image.getAttribute("src"), /\/api\/v1\/labs\/\d+\/assets\//);

  step("author publishes a second lab through the API");
  const secondLab = await page.evaluate(async () => {
    const { accessToken } = JSON.parse(window.localStorage.getItem("openlabs.session"));
    const response = await fetch("/api/v1/labs", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({
        title: "Logistic regression",
        description: "Fit a logistic regression model to classify points.",
        body: "## Task\n\nFit a logistic regression with least squares as a start.",
        tags: ["statistics", "python"],
      }),
    });
    return { status: response.status, body: await response.json() };
  });
  assert.equal(secondLab.status, 201, JSON.stringify(secondLab.body));

  step("lab page largest contentful paint");
  const lcp = await measureLcp(page, labUrl);
  metrics.labPageLcpMs = lcp;
  console.log(`e2e: lab page LCP ${lcp.toFixed(0)} ms`);

  step("author starts a comment thread");
  await page.getByLabel("Add a comment").fill("Questions are welcome here.");
  await page.getByRole("button", { name: "Comment", exact: true }).click();
  await page.getByText("Questions are welcome here.").waitFor();
  await shoot("lab");
  await tabThrough("lab");
  await page.goto(baseUrl);
  await shoot("home");
  await tabThrough("home");
  await signOut(page);

  step("learner signs up and finds the lab by search");
  await signUp(page, baseUrl, "bob");
  await page.goto(`${baseUrl}/labs`);
  await page.getByLabel("Search labs").fill("regression");
  await page.getByRole("main").getByRole("button", { name: "Search" }).click();
  await page.waitForURL(/q=regression/);
  await page.getByRole("link", { name: "Linear regression by hand" }).waitFor();
  await shoot("labs");
  await tabThrough("labs");
  await page.getByRole("link", { name: "Linear regression by hand" }).click();

  step("learner runs the lab's notebook and a slider re-runs the cell that reads it");
  const notebook = page.locator("[data-notebook='explore.py']");
  await notebook.getByRole("button", { name: "Start notebook" }).click();
  await notebook.locator("[data-connection=connected]").waitFor();
  await notebook.getByRole("button", { name: "Run all" }).click();
  await notebook.locator("[data-stream=stdout]").filter({ hasText: "slope 30" }).waitFor();
  const slider = notebook.locator("input[type=range]");
  await slider.focus();
  await page.keyboard.press("ArrowRight");
  await notebook.locator("[data-stream=stdout]").filter({ hasText: "slope 40" }).waitFor();
  // A reload would end the session, so the theme is switched in place.
  await screenshotBothThemesInPlace(page, shots, "notebook", axeReport);
  await notebook.getByRole("button", { name: "End session" }).click();
  await notebook.getByRole("button", { name: "Start notebook" }).waitFor();

  step("the lab page shows related labs");
  await page
    .getByRole("region", { name: "Related labs" })
    .getByRole("link", { name: "Logistic regression" })
    .waitFor();

  step("learner replies to the comment");
  await page.getByRole("button", { name: "Reply" }).click();
  await page.getByLabel("Your reply").fill("Can x be negative?");
  await page.getByRole("button", { name: "Reply", exact: true }).last().click();
  await page
    .locator("[data-testid=comment] [data-testid=comment]")
    .getByText("Can x be negative?")
    .waitFor();

  step("learner submits text and a file, and the balance drops");
  await openWithoutErrors("submit page", `${labUrl}/submit`, () =>
    page.getByTestId("submission-cost").filter({ hasText: "costs 1 point" }).waitFor(),
  );
  assert.equal(await page.getByTestId("grader-notice").count(), 0);
  // The screenshots reload the page, so they are taken before the form is filled.
  await shoot("submit");
  await typeInEditor(page, "My answer: $a = 2$.");
  await page.locator("input[type=file]").setInputFiles({
    name: "answer.py",
    mimeType: "text/x-python",
    buffer: Buffer.from("def fit(xs, ys):\n    return 2, 0\n"),
  });
  await page.getByRole("button", { name: /Submit for review/ }).click();
  await page.waitForURL(/\/submissions\/\d+$/);
  const submissionUrl = page.url();
  await expectBalance(page, 9);
  await openWithoutErrors("submission page", submissionUrl, async () => {
    await page.getByText("Waiting for a reviewer").first().waitFor();
    await page.getByText("No automatic tests ran on this submission.").waitFor();
  });
  await shoot("submission");
  await signOut(page);

  step("a second learner submits, and the author accepts it");
  await signUp(page, baseUrl, "carol");
  // A new account has no history, so the most popular lab comes first.
  await page
    .getByTestId("recommendation")
    .first()
    .getByRole("link", { name: "Linear regression by hand" })
    .waitFor();
  await page.goto(`${labUrl}/submit`);
  await typeInEditor(page, "The slope is the covariance over the variance.");
  await page.getByRole("button", { name: /Submit for review/ }).click();
  await page.waitForURL(/\/submissions\/\d+$/);
  const carolSubmissionId = page.url().match(/(\d+)$/)[1];
  await expectBalance(page, 9);
  // The server reports that the submitter may not claim her own submission, so no Claim shows.
  await page.goto(`${baseUrl}/reviews/${carolSubmissionId}`);
  await page.getByTestId("claim-hint").filter({ hasText: "You cannot review" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Claim for review" }).count(), 0);
  await signOut(page);
  await signIn(page, baseUrl, "alice");
  await page.goto(`${baseUrl}/reviews`);
  const queueLink = page.getByRole("link", {
    name: new RegExp(`^Submission #${carolSubmissionId} to `),
  });
  await queueLink.waitFor();
  await shoot("review-queue");
  await tabThrough("review queue");
  await openWithoutErrors("review page", `${baseUrl}/reviews/${carolSubmissionId}`, async () => {
    await page.getByRole("button", { name: "Claim for review" }).waitFor();
    await page.getByText("No automatic tests ran on this submission.").waitFor();
  });
  await claimSubmission(page);
  await reviewSubmission(page, { feedback: "Right.", verdict: "Accept", score: 80 });
  await expectBalance(page, 13);
  await signOut(page);

  step("the second learner, now eligible, reviews the first one's submission");
  await signIn(page, baseUrl, "carol");
  await page.goto(`${baseUrl}/submissions/${carolSubmissionId}`);
  await page.getByText("Accepted", { exact: true }).first().waitFor();
  await page.goto(`${baseUrl}/reviews`);
  const bobSubmissionId = submissionUrl.match(/(\d+)$/)[1];
  await page.getByRole("link", { name: new RegExp(`^Submission #${bobSubmissionId} to `) }).click();
  await claimSubmission(page);
  await shoot("review");
  await tabThrough("review");
  await page.getByRole("button", { name: "View answer.py" }).click();
  await page.locator(".markdown pre code.hljs").first().waitFor();
  await reviewSubmission(page, {
    feedback: "Correct. See the notes.",
    verdict: "Accept",
    score: 90,
    attachment: {
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("Well done.\n"),
    },
  });
  await expectBalance(page, 12);
  await signOut(page);

  step("learner sees the review and rates it");
  await signIn(page, baseUrl, "bob");
  await page.goto(submissionUrl);
  await page.getByTestId("review").getByText("Correct. See the notes.").waitFor();
  await page.getByText("Accepted", { exact: true }).first().waitFor();
  await page.getByRole("button", { name: "5 of 5" }).click();
  await page.getByText("You rated this review 5 of 5.").waitFor();
  await page.getByTestId("review").getByRole("button", { name: "Download notes.txt" }).waitFor();
  await page.getByTestId("review").getByRole("link", { name: /carol/ }).waitFor();
  await expectBalance(page, 9);
  await page.goto(baseUrl);
  // The learner solved linear regression, so it is no longer recommended, and the other lab is.
  await page
    .getByTestId("recommendation")
    .getByRole("link", { name: "Logistic regression" })
    .waitFor();
  assert.equal(
    await page
      .getByTestId("recommendation")
      .getByRole("link", { name: "Linear regression by hand" })
      .count(),
    0,
  );
  await page.goto(`${baseUrl}/submissions`);
  await shoot("my-submissions");
  await page.goto(`${baseUrl}/settings`);
  await page.getByRole("cell", { name: "Submitted a solution" }).waitFor();

  step("learner uploads an article and its PDF opens");
  await page.goto(`${baseUrl}/articles/new`);
  await page.getByLabel("Title").fill("Least squares notes");
  await page.getByLabel("Authors").fill("Bob Learner");
  await page.getByLabel("Abstract").fill("Short notes on ordinary least squares.");
  await page.locator("input[type=file]").setInputFiles({
    name: "notes.pdf",
    mimeType: "application/pdf",
    buffer: onePagePdf("Ordinary least squares minimises residuals"),
  });
  await page.getByRole("button", { name: "Upload article" }).click();
  await page.waitForURL(/\/articles\/\d+$/);
  await page.locator("[data-testid=pdf-viewer] canvas").waitFor();
  await page
    .locator(".textLayer")
    .getByText(/least squares/)
    .waitFor();
  const articleUrl = page.url();
  await shoot("article");
  await tabThrough("article");

  step("uploader edits the article's details");
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await page.waitForURL(/\/articles\/\d+\/edit$/);
  await shoot("article-edit");
  await page.getByLabel("Title").fill("Least squares, short notes");
  await page.getByLabel("Tags").fill("statistics");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(articleUrl);
  await page.getByRole("heading", { name: "Least squares, short notes" }).waitFor();

  step("article search shows a highlighted snippet");
  await page.goto(`${baseUrl}/articles`);
  await page.getByLabel("Search articles").fill("residuals");
  await page.getByRole("main").getByRole("button", { name: "Search" }).click();
  await page.locator("mark").first().waitFor();
  await page.getByRole("link", { name: "Least squares, short notes" }).waitFor();
  await shoot("articles");
  await tabThrough("articles");

  step("leaderboard and public profile");
  await page.goto(`${baseUrl}/leaderboard`);
  await page.getByRole("link", { name: /Alice Author/ }).waitFor();
  await shoot("leaderboard");
  await tabThrough("leaderboard");
  await page.getByRole("link", { name: /Alice Author/ }).click();
  await page.getByRole("heading", { name: "Alice Author" }).waitFor();
  await page.getByRole("link", { name: "Linear regression by hand" }).waitFor();
  await shoot("profile");

  step("phone-sized screen: menu opens and the lab reads");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(labUrl);
  await page.getByRole("button", { name: "Menu" }).click();
  await page
    .getByRole("navigation", { name: "Main (mobile)" })
    .getByRole("link", { name: "Labs" })
    .waitFor();
  await page.screenshot({ path: join(shots, "lab-phone.png"), fullPage: true });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  assert.ok(overflow <= 1, `the lab page scrolls sideways by ${overflow} px on a phone`);
  axeReport.push({ page: "lab (phone)", violations: await runAxe(page) });
  for (const [name, url] of [
    ["home", baseUrl],
    ["labs", `${baseUrl}/labs`],
    ["article", articleUrl],
    ["settings", `${baseUrl}/settings`],
  ]) {
    await page.goto(url);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
    const sideways = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(sideways <= 1, `${name} scrolls sideways by ${sideways} px on a phone`);
  }
  step("phone-sized screen: the PDF page fits the viewer's width at 100%");
  await page.goto(articleUrl);
  await page.locator("[data-testid=pdf-viewer] canvas").waitFor();
  await page.getByText("100%").waitFor();
  await page.waitForFunction(() => {
    const viewer = document.querySelector("[data-testid=pdf-viewer]");
    const canvas = viewer?.querySelector("canvas");
    return canvas != null && canvas.getBoundingClientRect().width <= viewer.clientWidth;
  });
  await page.setViewportSize({ width: 1280, height: 900 });

  step("an expired access token is refreshed without a sign-in");
  await page.goto(`${baseUrl}/settings`);
  await page.evaluate(() => {
    const session = JSON.parse(window.localStorage.getItem("openlabs.session"));
    session.accessToken = "expired.access.token";
    window.localStorage.setItem("openlabs.session", JSON.stringify(session));
  });
  await page.reload();
  await page.getByLabel("First name").waitFor();
  assert.notEqual(
    await page.evaluate(
      () => JSON.parse(window.localStorage.getItem("openlabs.session")).accessToken,
    ),
    "expired.access.token",
    "the access token was not replaced",
  );
  assert.match(page.url(), /\/settings$/);

  step("a session that ended sends the user to sign in and back");
  await page.goto(`${baseUrl}/submissions`);
  await page
    .getByRole("link", { name: /Submission #\d+/ })
    .first()
    .waitFor();
  await page.evaluate(() => {
    window.localStorage.setItem(
      "openlabs.session",
      JSON.stringify({ accessToken: "ended.access", refreshToken: "ended-refresh" }),
    );
  });
  await page.reload();
  await page.waitForURL(/\/sign-in\?expired=1&next=%2Fsubmissions$/);
  await page.getByText("Your session has expired.").waitFor();
  await page.getByLabel("Username or email").fill("bob");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/submissions$/);

  step("uploader deletes the article after confirming");
  await page.goto(articleUrl);
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("button", { name: "Delete article" }).click();
  await page.waitForURL(/\/articles$/);
  await page.goto(articleUrl);
  await page.getByText("This article could not be loaded.").waitFor();

  step("a moderator deletes a comment on the lab");
  await signOut(page);
  createModerator(server, "maude");
  await signIn(page, baseUrl, "maude");
  await page.goto(`${baseUrl}/moderation`);
  await page.getByRole("heading", { name: "Moderation" }).waitFor();
  await shoot("moderation");
  await page.goto(labUrl);
  // The rendered Markdown and its images move the comments down as they load.
  await page.waitForLoadState("networkidle");
  const reply = page.locator("[data-testid=comment] [data-testid=comment]").first();
  await reply.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("button", { name: "Delete comment" }).click();
  await page.getByText("Can x be negative?").waitFor({ state: "detached" });

  step("sign out, then a protected page asks to sign in and returns");
  await signOut(page);
  await page.goto(`${baseUrl}/settings`);
  await page.waitForURL(/\/sign-in\?next=%2Fsettings/);
  await page.getByLabel("Username or email").fill("bob");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/settings$/);

  step("learner turns on two-factor authentication");
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await page.getByRole("img", { name: "QR code with the two-factor secret" }).waitFor();
  const secret = (await page.locator("#two-factor code").textContent()).trim();
  const confirmationCode = totpCode(secret);
  await page.getByLabel("Code from the app").fill(confirmationCode);
  await page.getByRole("button", { name: "Turn on" }).click();
  // allTextContents does not wait, so the list must be on the page first.
  const recoveryList = page.getByRole("list", { name: "Recovery codes" });
  await recoveryList.locator("li").first().waitFor();
  const recoveryCodes = await recoveryList.locator("li").allTextContents();
  assert.ok(recoveryCodes.length > 0, "no recovery codes shown");
  await page.getByRole("button", { name: "I have saved the codes" }).click();
  await page.getByRole("button", { name: "Turn off two-factor authentication" }).waitFor();

  step("sign-in asks for the second factor, and a recovery code passes it");
  await signOut(page);
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Username or email").fill("bob");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The code that turned two-factor on is spent, so the page shows "already used" instead of
  // "incorrect". The server accepts a code for up to a minute, and this step takes far less.
  await page.getByLabel("Authentication code").fill(confirmationCode);
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByText("this one was already used", { exact: false }).waitFor();
  await page.getByLabel("Authentication code").fill(recoveryCodes[0].trim());
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("heading", { name: /^Welcome/ }).waitFor();
}
