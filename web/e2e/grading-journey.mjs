// Browser test of autograding and the assistant chat: an author attaches a stdin/stdout grader
// through the lab edit page, a learner's submission shows its visible test results, the author
// sees every test on the review page and re-grades, the learner deletes the graded submission
// without a refund, and the chat panel answers from the lab, lists the past conversation,
// deletes it, and says so when the author turns the assistant off.
// The author and the learner use two browser contexts, so no step signs out.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { checkKeyboard, screenshotBothThemes, screenshotBothThemesInPlace } from "./browser.mjs";
import { signUp, typeInEditor } from "./journey.mjs";

const labBody = [
  "Add two whole numbers.",
  "",
  "## Reading the input",
  "",
  "The program reads two integers separated by a space from standard input, for example with",
  "`a, b = map(int, input().split())` in Python.",
  "",
  "## Printing the sum",
  "",
  "Print the sum of the two integers on one line.",
].join("\n");

// Adds the numbers, except that it subtracts when the first is 10 or more: the visible test
// "two" fails, the visible test "one" and the hidden test pass.
const learnerProgram = "a, b = map(int, input().split())\nprint(a + b if a < 10 else a - b)\n";

function step(name) {
  console.log(`e2e: ${name}`);
}

/** Tabs through the page and fails on a control the keyboard misses or shows no focus on. */
async function tabThrough(page, name) {
  const result = await checkKeyboard(page);
  assert.deepEqual(result.unreached, [], `${name}: controls the keyboard cannot reach`);
  assert.deepEqual(result.noIndicator, [], `${name}: controls with no visible focus`);
  assert.ok(result.checked > 0, `${name}: no interactive element found`);
}

/**
 * Packs a grader folder into a .tar.gz with the system's tar and returns its path. `expectedTwo`
 * is the expected output of test "two", so a second version can change one test.
 */
function packGrader(workDir, name, expectedTwo) {
  const folder = join(workDir, name);
  const files = {
    "grader.toml":
      'language = "python3"\nrun = "python3 sum.py"\ntime_limit_s = 5\nhidden = ["hidden/*"]\n',
    "tests/one.in": "1 2\n",
    "tests/one.out": "3\n",
    "tests/two.in": "20 5\n",
    "tests/two.out": `${expectedTwo}\n`,
    "tests/hidden/negative.in": "-3 4\n",
    "tests/hidden/negative.out": "1\n",
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  const archive = join(workDir, `${name}.tar.gz`);
  execFileSync("tar", ["-czf", archive, "-C", folder, "."]);
  return archive;
}

async function createLab(page) {
  const created = await page.evaluate(async (body) => {
    const { accessToken } = JSON.parse(window.localStorage.getItem("openlabs.session"));
    const response = await fetch("/api/v1/labs", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({
        title: "Sum of two integers",
        description: "Read two integers and print their sum.",
        body,
        tags: ["python"],
      }),
    });
    return { status: response.status, body: await response.json() };
  }, labBody);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id;
}

async function attachGrader(page, archive, version) {
  await page.locator("form[aria-label='Attach a grader'] input[type=file]").setInputFiles(archive);
  await page.getByRole("button", { name: /^Attach (grader|as a new version)$/ }).click();
  await page.getByText(`Grader version ${version} is attached.`).waitFor();
}

export async function gradingJourney({ browser, baseUrl, outputDir, axeReport }) {
  const shots = join(outputDir, "screenshots");
  const workDir = mkdtempSync(join(tmpdir(), "openlabs-e2e-grader-"));
  const authorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const learnerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  authorContext.setDefaultTimeout(15_000);
  learnerContext.setDefaultTimeout(15_000);
  const author = await authorContext.newPage();
  const learner = await learnerContext.newPage();
  const pageErrors = [];
  for (const page of [author, learner]) {
    page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  }

  try {
    step("grading: author attaches a stdin/stdout grader on the lab edit page");
    await signUp(author, baseUrl, "gina");
    const labId = await createLab(author);
    const labUrl = `${baseUrl}/labs/${labId}`;
    await author.goto(`${labUrl}/edit`);
    await author.getByText("No grader is attached.").waitFor();
    await attachGrader(author, packGrader(workDir, "grader-v1", 25), 1);
    const settings = author.getByTestId("grader-settings");
    await settings.getByText("input and output tests").waitFor();
    await author.getByRole("cell", { name: "hidden/negative" }).waitFor();
    assert.equal(await author.getByRole("table").locator("tbody tr").count(), 3);
    await screenshotBothThemes(author, shots, "lab-grader", axeReport);
    await tabThrough(author, "lab edit page with a grader");

    step("grading: learner submits and sees the visible test results");
    await signUp(learner, baseUrl, "hank");
    await learner.goto(`${labUrl}/submit`);
    await learner.getByTestId("grader-notice").filter({ hasText: "run against 3 tests" }).waitFor();
    await typeInEditor(learner, "My sum program.");
    await learner.locator("input[type=file]").setInputFiles({
      name: "sum.py",
      mimeType: "text/x-python",
      buffer: Buffer.from(learnerProgram),
    });
    await learner.getByRole("button", { name: /Submit for review/ }).click();
    await learner.waitForURL(/\/submissions\/\d+$/);
    const submissionId = learner.url().match(/(\d+)$/)[1];
    const learnerResults = learner.locator("[data-testid=grading-results]");
    await learnerResults.getByTestId("grading-status").filter({ hasText: "Done" }).waitFor();
    assert.equal(await learnerResults.getAttribute("data-view"), "visible_tests");
    const visible = learnerResults.getByTestId("test-result");
    assert.equal(await visible.count(), 2, "the learner should see the two visible tests");
    assert.match(await visible.filter({ hasText: "one" }).textContent(), /Passed/);
    assert.match(await visible.filter({ hasText: "two" }).textContent(), /Failed/);
    await learnerResults.getByText("1 more test is hidden from you").waitFor();
    assert.equal(await learnerResults.getByText("hidden/negative").count(), 0);
    await screenshotBothThemes(learner, shots, "submission-tests", axeReport);
    await learner.setViewportSize({ width: 390, height: 844 });
    await learner.reload();
    await learnerResults.getByTestId("test-result").first().waitFor();
    await learner.screenshot({ path: join(shots, "submission-tests-phone.png"), fullPage: true });
    const sideways = await learner.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(sideways <= 1, `the test results scroll sideways by ${sideways} px on a phone`);
    await learner.setViewportSize({ width: 1280, height: 900 });

    step("grading: the author sees every test beside the submission on the review page");
    await author.goto(`${baseUrl}/reviews/${submissionId}`);
    const reviewResults = author.locator("[data-testid=grading-results]");
    await reviewResults.getByTestId("grading-status").filter({ hasText: "Done" }).waitFor();
    assert.equal(await reviewResults.getAttribute("data-view"), "all_tests");
    assert.equal(await reviewResults.getByTestId("test-result").count(), 3);
    await reviewResults.getByText("hidden/negative").waitFor();
    await reviewResults.getByText("hidden from the learner").waitFor();
    await reviewResults.getByTestId("grading-score").filter({ hasText: "2 of 3 points" }).waitFor();
    // Without a language model the server has no rubric draft, and the page shows no section for it.
    assert.equal(await author.getByTestId("rubric-draft").count(), 0);
    assert.equal(await author.getByRole("alert").count(), 0);
    await screenshotBothThemes(author, shots, "review-tests", axeReport);

    step("grading: a new grader version and a re-grade show the changed score");
    await author.goto(`${labUrl}/edit`);
    await attachGrader(author, packGrader(workDir, "grader-v2", 15), 2);
    await author.getByRole("button", { name: "Re-grade all submissions" }).click();
    await author.getByText("1 of 1 score changed.").waitFor();
    const changed = author.getByTestId("changed-score");
    assert.match(await changed.textContent(), new RegExp(`#${submissionId}: 2 → 3 of 3 points`));
    // The batch id stays in the address, so the report survives a reload.
    await author.waitForURL(/[?&]batch=/);
    await author.reload();
    await author.getByText("1 of 1 score changed.").waitFor();

    step("grading: the author turns on machine-written drafts with the default rubric");
    await author.getByText("No rubric is set").waitFor();
    await author.getByLabel("Write a machine-written review draft for each new submission").check();
    await author.getByRole("button", { name: "Save rubric" }).click();
    await author.getByText("The rubric is saved.").waitFor();
    await author.getByTestId("rubric-state").filter({ hasText: "Drafts are on" }).waitFor();
    await author.getByTestId("rubric-state").filter({ hasText: "No language model" }).waitFor();
    assert.equal(await author.getByLabel("Criterion 1 name").inputValue(), "correctness");

    step("grading: the similarity report runs on the lab's submissions");
    await author.getByRole("button", { name: "Compare submissions" }).click();
    await author.getByText("Compared 1 submission: no pair by different learners").waitFor();

    step("grading: the learner deletes the graded submission and gets no refund");
    await learner.goto(`${baseUrl}/submissions/${submissionId}`);
    await learner.getByRole("button", { name: "Delete submission" }).click();
    await learner.getByText("refunded unless the automatic tests have already started").waitFor();
    await learner.getByRole("button", { name: "Delete submission" }).click();
    await learner.waitForURL(/\/submissions$/);
    await learner
      .getByRole("status")
      .filter({ hasText: "deleted without a refund of its 1 point" })
      .waitFor();

    step("assistant: the chat answers from the lab with a source link");
    await learner.goto(labUrl);
    const panel = learner.getByRole("region", { name: "Ask the assistant" });
    await panel.getByText("You have no past conversations here.").waitFor();
    await panel.getByLabel("Your question").fill("How do I read two integers from the input?");
    await panel.getByRole("button", { name: "Ask" }).click();
    const sources = panel.getByRole("list", { name: "Sources" });
    const source = sources.getByRole("link", { name: /Sum of two integers › Reading the input/ });
    await source.waitFor();
    assert.match(await source.getAttribute("href"), new RegExp(`/labs/${labId}#reading-the-input`));
    await panel.getByText("No language model is configured, so these are the passages").waitFor();
    await panel
      .getByText(/map\(int, input\(\)\.split\(\)\)/)
      .first()
      .waitFor();
    await screenshotBothThemesInPlace(learner, shots, "assistant-answer", axeReport);

    await tabThrough(learner, "lab page with a past conversation");

    step("assistant: the conversation is listed, reopens, and is deleted");
    await panel.getByRole("button", { name: /^How do I read two integers/ }).click();
    await sources.getByRole("link", { name: /Reading the input/ }).waitFor();
    const past = panel.getByTestId("past-conversation");
    await past.filter({ hasText: "How do I read two integers" }).waitFor();
    assert.equal(await past.count(), 1);
    await panel.getByRole("button", { name: "New conversation" }).click();
    assert.equal(await sources.count(), 0, "a new conversation starts empty");
    await past.getByRole("button", { name: /^How do I read two integers/ }).click();
    await sources.getByRole("link", { name: /Reading the input/ }).waitFor();
    await past.getByRole("button", { name: /^Delete “How do I read two integers/ }).click();
    await panel.getByRole("button", { name: "Delete conversation" }).click();
    await panel.getByText("You have no past conversations here.").waitFor();
    assert.equal(await sources.count(), 0, "deleting the open conversation clears the panel");

    step("assistant: the author turns the assistant off and the panel says so");
    await author.goto(`${labUrl}/edit`);
    await author.getByTestId("assistant-current-mode").filter({ hasText: "is on" }).waitFor();
    await author.getByLabel(/^Off/).check();
    await author.getByRole("button", { name: "Save assistant mode" }).click();
    await author.getByText("The assistant is now off for this lab.").waitFor();
    await author.getByTestId("assistant-current-mode").filter({ hasText: "is off" }).waitFor();
    await learner.goto(labUrl);
    await panel.getByText("The author turned the assistant off for this lab.").waitFor();
    assert.equal(await panel.getByRole("button", { name: "Ask" }).count(), 0);

    assert.deepEqual(pageErrors, [], "the pages threw uncaught errors");
  } catch (error) {
    console.error(
      `e2e: grading journey failed; author at ${author.url()}, learner at ${learner.url()}`,
    );
    for (const [name, page] of [
      ["author", author],
      ["learner", learner],
    ]) {
      await page
        .screenshot({ path: join(outputDir, `failure-${name}.png`), fullPage: true })
        .catch(() => {});
    }
    throw error;
  } finally {
    await authorContext.close();
    await learnerContext.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}
