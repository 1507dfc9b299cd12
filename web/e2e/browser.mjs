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
    }));
}
