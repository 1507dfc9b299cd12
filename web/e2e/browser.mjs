// Headless Debian Chromium through playwright-core, plus the page helpers the journey uses.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// Without the background-networking flags Chromium keeps trying to reach Google's hosts, which
// a machine without outside network access refuses.
const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: chromiumFlags,
  });
}

/** Records uncaught page errors so that a test can fail on them. */
export function watchErrors(page, errors) {
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
}

/** Saves full-page screenshots of the current page in the light and the dark theme. */
export async function screenshotBothThemes(page, outputDir, name, axeReport) {
  mkdirSync(outputDir, { recursive: true });
  for (const theme of ["light", "dark"]) {
    await page.evaluate((choice) => window.localStorage.setItem("openlabs.theme", choice), theme);
    await page.reload();
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: join(outputDir, `${name}-${theme}.png`), fullPage: true });
    if (axeReport !== undefined) {
      axeReport.push({ page: `${name} (${theme})`, violations: await runAxe(page) });
    }
  }
  await page.evaluate(() => window.localStorage.removeItem("openlabs.theme"));
}

/** Runs axe-core in the page and returns its serious and critical violations. */
export async function runAxe(page) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }),
  );
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.slice(0, 5).map((node) => node.target.join(" ")),
      // For color-contrast this names the two colours and the ratio found.
      failure: violation.nodes[0]?.failureSummary,
    }));
}

/**
 * Reloads the page and presses Tab through it from the start. Returns the interactive elements
 * that the keyboard never reached, and those that showed no focus indicator. An indicator is an
 * outline or a box shadow on the element or its parent, or CodeMirror's focused frame. Radio
 * buttons count per group, because Tab enters a group once and the arrow keys move inside it.
 * NOTE: an outline on an element clipped out of sight still counts as visible.
 */
export async function checkKeyboard(page) {
  await page.reload();
  await page.waitForLoadState("networkidle");
  const total = await page.evaluate(() => {
    const selector =
      'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable="true"]';
    const reachable = [...document.querySelectorAll(selector)].filter((element) => {
      if (element.matches(":disabled") || element.tabIndex < 0) return false;
      if (element.closest("[inert], [aria-hidden=true]") !== null) return false;
      const style = getComputedStyle(element);
      return style.visibility !== "hidden" && element.getClientRects().length > 0;
    });
    reachable.forEach((element, index) => {
      const group =
        element.matches("input[type=radio]") && element.name !== ""
          ? `radio:${element.name}`
          : String(index);
      element.setAttribute("data-keyboard-id", group);
    });
    return reachable.length;
  });

  const reached = new Map();
  for (let press = 0; press < total + 10; press += 1) {
    await page.keyboard.press("Tab");
    const focus = await page.evaluate(() => {
      const element = document.activeElement;
      if (element === null || element === document.body) return null;
      const shows = (candidate) => {
        if (candidate === null) return false;
        const style = getComputedStyle(candidate);
        const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
        return outline || style.boxShadow !== "none";
      };
      return {
        id: element.getAttribute("data-keyboard-id"),
        indicator:
          shows(element) ||
          shows(element.parentElement) ||
          element.closest(".cm-editor.cm-focused") !== null,
      };
    });
    if (focus?.id != null && !reached.has(focus.id)) {
      reached.set(focus.id, focus.indicator);
    }
  }

  return page.evaluate(
    ([reachedIds, withoutIndicator]) => {
      const describe = (element) => {
        const name =
          element.getAttribute("aria-label") ??
          element.textContent?.trim().slice(0, 40) ??
          element.getAttribute("name");
        return `${element.tagName.toLowerCase()} "${name}"`;
      };
      const marked = [...document.querySelectorAll("[data-keyboard-id]")];
      const unreached = marked.filter(
        (element) => !reachedIds.includes(element.getAttribute("data-keyboard-id")),
      );
      const noIndicator = marked.filter((element) =>
        withoutIndicator.includes(element.getAttribute("data-keyboard-id")),
      );
      return {
        checked: new Set(marked.map((element) => element.getAttribute("data-keyboard-id"))).size,
        unreached: [...new Set(unreached.map(describe))],
        noIndicator: [...new Set(noIndicator.map(describe))],
      };
    },
    [[...reached.keys()], [...reached].filter(([, shown]) => !shown).map(([id]) => id)],
  );
}

/**
 * Saves screenshots in both themes like screenshotBothThemes, but switches the theme with the
 * header's toggle instead of a reload, so that live page state (a running notebook) survives.
 */
export async function screenshotBothThemesInPlace(page, outputDir, name, axeReport) {
  mkdirSync(outputDir, { recursive: true });
  for (const theme of ["light", "dark"]) {
    const dark = await page.evaluate(() => document.documentElement.classList.contains("dark"));
    if (dark !== (theme === "dark")) {
      await page.getByTestId("theme-toggle").click();
    }
    await page.screenshot({ path: join(outputDir, `${name}-${theme}.png`), fullPage: true });
    if (axeReport !== undefined) {
      axeReport.push({ page: `${name} (${theme})`, violations: await runAxe(page) });
    }
  }
  await page.evaluate(() => window.localStorage.removeItem("openlabs.theme"));
}

/**
 * Opens a page in a browser context of its own, with the journeys' default timeout. Uncaught
 * page errors collect in the returned `pageErrors`.
 */
export async function openPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const pageErrors = [];
  watchErrors(page, pageErrors);
  return { context, page, pageErrors };
}

/**
 * Runs `action`, waits until the network is idle, and returns what the page logged as a console
 * error meanwhile and the API and subresource requests that failed (status 400 or more), which
 * Chromium also logs to the console.
 */
export async function collectFailures(page, action) {
  const failures = [];
  const onConsole = (message) => {
    if (message.type() === "error") failures.push(`console: ${message.text()}`);
  };
  const onResponse = (response) => {
    // API calls and the page's images, scripts and styles count. A navigation that ends on the
    // app's own error page is for the journey to check.
    const path = new URL(response.url()).pathname;
    const subresource = response.request().resourceType() !== "document";
    if (response.status() >= 400 && (path.startsWith("/api/") || subresource)) {
      failures.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
    }
  };
  page.on("console", onConsole);
  page.on("response", onResponse);
  try {
    await action();
    await page.waitForLoadState("networkidle");
  } finally {
    page.off("console", onConsole);
    page.off("response", onResponse);
  }
  return failures;
}
