// The user journey of the end-to-end test, step by step. Each step logs its name, so a failure
// shows where it happened.
import assert from "node:assert/strict";
import { join } from "node:path";

import { runAxe, screenshotBothThemes } from "./browser.mjs";
import { onePagePdf, solidPng } from "./fixtures.mjs";
import { totpCode } from "./totp.mjs";

const password = "a long test passphrase";

function step(name) {
  console.log(`e2e: ${name}`);
}

async function typeInEditor(page, text) {
  const editor = page.locator("[data-testid=markdown-editor] .cm-content").first();
  await editor.click();
  await page.keyboard.insertText(text);
}

async function signUp(page, baseUrl, username) {
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

export async function journey({ page, baseUrl, outputDir, axeReport, metrics }) {
  const shots = join(outputDir, "screenshots");
  const shoot = (name) => screenshotBothThemes(page, shots, name, axeReport);

  step("landing page");
  await page.goto(baseUrl);
  await page.getByRole("heading", { name: "Learn by doing, and by reviewing" }).waitFor();
  await shoot("landing");
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
  await page.locator("input[type=file]").setInputFiles({
    name: "plot.png",
    mimeType: "image/png",
    buffer: solidPng(120, 60, [30, 90, 200]),
  });
  await page.getByRole("button", { name: "Publish lab" }).click();
  await page.waitForURL(/\/labs\/\d+$/);
  const labUrl = page.url();
  await page.getByRole("heading", { name: "Linear regression by hand" }).waitFor();

  step("lab page renders math, table, code and the asset image");
  await page.locator(".markdown .katex").first().waitFor();
  assert.ok((await page.locator(".markdown .katex").count()) >= 3, "expected three formulas");
  assert.equal(await page.locator(".markdown .katex-display").count(), 1);
  assert.equal(await page.locator(".markdown table").count(), 1);
  assert.ok((await page.locator(".markdown pre code.hljs .hljs-keyword").count()) >= 1);
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

  step("lab page largest contentful paint");
  const lcp = await measureLcp(page, labUrl);
  metrics.labPageLcpMs = lcp;
  console.log(`e2e: lab page LCP ${lcp.toFixed(0)} ms`);

  step("author starts a comment thread");
  await page.getByLabel("Add a comment").fill("Questions are welcome here.");
  await page.getByRole("button", { name: "Comment", exact: true }).click();
  await page.getByText("Questions are welcome here.").waitFor();
  await shoot("lab");
  await signOut(page);

  step("learner signs up and finds the lab by search");
  await signUp(page, baseUrl, "bob");
  await page.goto(`${baseUrl}/labs`);
  await page.getByLabel("Search labs").fill("regression");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForURL(/q=regression/);
  await page.getByRole("link", { name: "Linear regression by hand" }).waitFor();
  await shoot("labs");
  await page.getByRole("link", { name: "Linear regression by hand" }).click();

  step("learner replies to the comment");
  await page.getByRole("button", { name: "Reply" }).click();
  await page.getByLabel("Your reply").fill("Can x be negative?");
  await page.getByRole("button", { name: "Reply", exact: true }).last().click();
  await page
    .locator("[data-testid=comment] [data-testid=comment]")
    .getByText("Can x be negative?")
    .waitFor();

  step("learner submits text and a file, and the balance drops");
  await page.getByRole("link", { name: "Submit a solution" }).click();
  await page.getByTestId("submission-cost").filter({ hasText: "costs 1 point" }).waitFor();
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
  await page.getByText("Waiting for a reviewer").first().waitFor();
  await shoot("submission");
  await signOut(page);

  step("author reviews the submission with an attachment");
  await signIn(page, baseUrl, "alice");
  await page.goto(`${baseUrl}/reviews`);
  await page
    .getByRole("link", { name: /Submission #\d+ to lab/ })
    .first()
    .waitFor();
  await shoot("review-queue");
  await page
    .getByRole("link", { name: /Submission #\d+ to lab/ })
    .first()
    .click();
  await page.getByRole("button", { name: "Claim for review" }).click();
  await page.getByRole("button", { name: "Release" }).waitFor();
  await shoot("review");
  await page.getByRole("button", { name: "View answer.py" }).click();
  await page.locator(".markdown pre code.hljs").first().waitFor();
  await typeInEditor(page, "Correct. See the notes.");
  await page.getByLabel("Accept").check();
  await page.getByLabel("Score (0 to 100)").fill("90");
  await page.locator("input[type=file]").setInputFiles({
    name: "notes.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("Well done.\n"),
  });
  await page.getByRole("button", { name: "Send review" }).click();
  await page.getByText(/Your review was sent\. You earned 3 points\./).waitFor();
  await expectBalance(page, 13);
  await signOut(page);

  step("learner sees the review and rates it");
  await signIn(page, baseUrl, "bob");
  await page.goto(submissionUrl);
  await page.getByTestId("review").getByText("Correct. See the notes.").waitFor();
  await page.getByText("Accepted", { exact: true }).first().waitFor();
  await page.getByRole("button", { name: "5 of 5" }).click();
  await page.getByText("You rated this review 5 of 5.").waitFor();
  await page.goto(`${baseUrl}/submissions`);
  await shoot("my-submissions");

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
  await shoot("article");

  step("article search shows a highlighted snippet");
  await page.goto(`${baseUrl}/articles`);
  await page.getByLabel("Search articles").fill("residuals");
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("mark").first().waitFor();
  await shoot("articles");

  step("leaderboard and public profile");
  await page.goto(`${baseUrl}/leaderboard`);
  await page.getByRole("link", { name: /Alice Author/ }).waitFor();
  await shoot("leaderboard");
  await page.getByRole("link", { name: /Alice Author/ }).click();
  await page.getByRole("heading", { name: "Alice Author" }).waitFor();

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
  await page.setViewportSize({ width: 1280, height: 900 });

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
  await page.getByLabel("Code from the app").fill(totpCode(secret));
  await page.getByRole("button", { name: "Turn on" }).click();
  const recoveryCodes = await page
    .getByRole("list", { name: "Recovery codes" })
    .locator("li")
    .allTextContents();
  assert.ok(recoveryCodes.length > 0, "no recovery codes shown");
  await page.getByRole("button", { name: "I have saved the codes" }).click();
  await page.getByRole("button", { name: "Turn off two-factor authentication" }).waitFor();

  step("sign-in asks for the second factor, and a recovery code passes it");
  await signOut(page);
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Username or email").fill("bob");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Authentication code").fill(recoveryCodes[0].trim());
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByRole("heading", { name: /^Welcome/ }).waitFor();
}
