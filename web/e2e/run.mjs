// End-to-end test of the web app: a real `openlabs serve` on a temporary data directory, driven
// through headless Chromium. Writes screenshots, the axe report and the server log to
// web/e2e-output/. Run with `npm run test:e2e` after `npm run build`. Names of journeys as
// arguments (`node e2e/run.mjs grading`) run only those; all run by default.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { launchBrowser, watchErrors } from "./browser.mjs";
import { contentJourney } from "./content-journey.mjs";
import { gradingJourney } from "./grading-journey.mjs";
import { journey } from "./journey.mjs";
import { notebookWidgets } from "./notebook-widgets.mjs";
import { searchJourney } from "./search-journey.mjs";
import { startServer } from "./server.mjs";

const webRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outputDir = join(webRoot, "e2e-output");
mkdirSync(outputDir, { recursive: true });

if (!existsSync(join(webRoot, "dist/index.html"))) {
  console.error("e2e: web/dist/index.html is missing; run 'npm run build' first");
  process.exit(1);
}

const journeys = {
  main: journey,
  widgets: notebookWidgets,
  grading: gradingJourney,
  search: searchJourney,
  content: contentJourney,
};
const chosen = process.argv.slice(2);
for (const name of chosen) {
  if (!(name in journeys)) {
    console.error(
      `e2e: unknown journey "${name}"; choose from ${Object.keys(journeys).join(", ")}`,
    );
    process.exit(2);
  }
}
const selected = chosen.length > 0 ? chosen : Object.keys(journeys);

const server = await startServer(join(outputDir, "server.log"));
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
context.setDefaultTimeout(15_000);
const page = await context.newPage();
const pageErrors = [];
watchErrors(page, pageErrors);
const axeReport = [];
const metrics = {};
let failed = false;

try {
  for (const name of selected) {
    await journeys[name]({
      page,
      context,
      browser,
      baseUrl: server.baseUrl,
      server,
      outputDir,
      axeReport,
      metrics,
    });
  }
  writeFileSync(join(outputDir, "metrics.json"), JSON.stringify(metrics, null, 2));

  writeFileSync(join(outputDir, "axe-report.json"), JSON.stringify(axeReport, null, 2));
  const serious = axeReport.filter((entry) => entry.violations.length > 0);
  for (const entry of serious) {
    console.error(`axe: ${entry.page}: ${JSON.stringify(entry.violations, null, 2)}`);
  }
  assert.equal(serious.length, 0, "axe found serious or critical violations (see above)");
  assert.deepEqual(pageErrors, [], "the pages threw uncaught errors");
  console.log(`e2e: passed; screenshots and axe report in ${outputDir}`);
} catch (error) {
  failed = true;
  console.error(`e2e: FAILED at ${page.url()}\n${error.stack ?? error}`);
  await page.screenshot({ path: join(outputDir, "failure.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
  await server.stop();
}
process.exit(failed ? 1 : 0);
