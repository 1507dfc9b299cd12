// Browser test of the search page. The header's search box opens /search with ranked results
// and highlighted snippets, and a lab's markup is indexed as its text and never injected. The
// type filter and the page controls change the address and the results, and the empty states
// explain themselves.
// It runs in a browser context of its own, signed in as a fresh author who writes the labs.
import assert from "node:assert/strict";
import { join } from "node:path";

import { checkKeyboard, screenshotBothThemes } from "./browser.mjs";
import { signUp } from "./journey.mjs";

function step(name) {
  console.log(`e2e: ${name}`);
}

/** Creates labs through the API with the signed-in user's token and returns their ids. */
async function createLabs(page, labs) {
  const created = await page.evaluate(async (inputs) => {
    const { accessToken } = JSON.parse(window.localStorage.getItem("openlabs.session"));
    const results = [];
    for (const input of inputs) {
      const response = await fetch("/api/v1/labs", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}` },
        body: JSON.stringify(input),
      });
      results.push({ status: response.status, body: await response.json() });
    }
    return results;
  }, labs);
  for (const result of created) {
    assert.equal(result.status, 201, JSON.stringify(result.body));
  }
  return created.map((result) => result.body.id);
}

/** Submits `words` through the search box in the header and waits for the search page. */
async function searchFromHeader(page, words) {
  const box = page.getByRole("searchbox", { name: "Site search" });
  await box.fill(words);
  await box.press("Enter");
  await page.waitForURL((url) => url.pathname === "/search");
}

export async function searchJourney({ browser, baseUrl, outputDir, axeReport }) {
  const shots = join(outputDir, "screenshots");
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`));

  try {
    step("search: an author writes labs to find");
    await signUp(page, baseUrl, "sasha");
    const [quaternionId] = await createLabs(page, [
      {
        title: "Quaternion rotations",
        description: "Rotate vectors in 3D with unit quaternions.",
        body: "A quaternion rotation avoids gimbal lock. <b>Bold</b> & <img src=x onerror=alert(1)>",
        tags: ["geometry"],
      },
      ...Array.from({ length: 12 }, (_, index) => ({
        title: `Spline fitting ${index + 1}`,
        description: "Fit a cubic spline through noisy points.",
        body: `Exercise ${index + 1}: fit a spline and plot its knots.`,
        tags: ["numerics"],
      })),
    ]);

    step("search: the header's search box opens ranked results with highlighted snippets");
    await page.goto(`${baseUrl}/labs`);
    await searchFromHeader(page, "quaternion");
    assert.equal(new URL(page.url()).search, "?q=quaternion");
    await page.getByRole("heading", { name: "Search results for “quaternion”" }).waitFor();
    const results = page.getByTestId("search-results");
    const first = results.getByRole("link").first();
    assert.equal(await first.textContent(), "Quaternion rotations");
    assert.equal(await first.getAttribute("href"), `/labs/${quaternionId}`);
    const marks = await results.locator("mark").allTextContents();
    assert.ok(marks.length > 0, "the snippet has no highlighted match");
    assert.ok(
      marks.every((mark) => mark.toLowerCase().startsWith("quaternion")),
      `unexpected highlights: ${marks.join(", ")}`,
    );
    assert.equal(
      await page.getByRole("searchbox", { name: "Site search" }).inputValue(),
      "quaternion",
    );

    step("search: a lab's markup is indexed as its text and never injected");
    await searchFromHeader(page, "gimbal");
    await results.getByText("lock. Bold &", { exact: false }).first().waitFor();
    assert.equal(await results.getByText("<b>", { exact: false }).count(), 0, "a tag was indexed");
    assert.equal(await results.locator("b, img, script").count(), 0, "snippet markup was injected");

    step("search: the type filter narrows to articles and back");
    await searchFromHeader(page, "spline");
    await page.getByText("12 results, 1 to 10 shown").waitFor();
    await page
      .getByRole("navigation", { name: "Result type" })
      .getByRole("link", { name: "Articles" })
      .click();
    await page.waitForURL((url) => url.search === "?q=spline&type=article");
    await page.getByText("No article matches “spline”.").waitFor();
    await page.getByRole("link", { name: "Search labs and articles" }).click();
    await page.waitForURL((url) => url.search === "?q=spline");
    await page
      .getByRole("navigation", { name: "Result type" })
      .getByRole("link", { name: "Labs" })
      .click();
    await page.waitForURL((url) => url.search === "?q=spline&type=lab");
    await page.getByText("12 labs, 1 to 10 shown").waitFor();
    const typeLinks = page.getByRole("navigation", { name: "Result type" }).getByRole("link");
    assert.equal(await typeLinks.nth(1).getAttribute("aria-current"), "page");

    step("search: the page controls move through the real total");
    await page.getByRole("button", { name: "Next" }).click();
    await page.waitForURL((url) => url.search === "?q=spline&type=lab&page=2");
    await page.getByText("12 labs, 11 to 12 shown").waitFor();
    assert.equal(await results.getByRole("listitem").count(), 2);
    await page.getByText("Page 2 of 2").waitFor();
    await screenshotBothThemes(page, shots, "search-results", axeReport);
    await page.getByText("12 labs, 11 to 12 shown").waitFor();

    step("search: the keyboard reaches every control of the results page");
    const keyboard = await checkKeyboard(page);
    assert.deepEqual(keyboard.unreached, [], "search: controls the keyboard cannot reach");
    assert.deepEqual(keyboard.noIndicator, [], "search: controls with no visible focus");

    step("search: empty states for no words, no match and a page past the end");
    await page.goto(`${baseUrl}/search`);
    await page
      .getByText("Type words into the search box at the top of the page.", { exact: false })
      .waitFor();
    await screenshotBothThemes(page, shots, "search-empty", axeReport);
    await searchFromHeader(page, "xylophonist");
    await page.getByText("No result matches “xylophonist”.").waitFor();
    await screenshotBothThemes(page, shots, "search-no-results", axeReport);
    await page.goto(`${baseUrl}/search?q=spline&page=9`);
    await page.getByText("Page 9 is past the last result.").waitFor();
    await page.getByRole("link", { name: "Go to the first page" }).click();
    await page.getByText("12 results, 1 to 10 shown").waitFor();

    assert.deepEqual(pageErrors, [], "the search pages threw uncaught errors");
  } finally {
    await context.close();
  }
}
