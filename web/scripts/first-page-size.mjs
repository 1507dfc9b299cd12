// Measures the JavaScript that the first page load downloads: the entry chunk named by
// dist/index.html and every chunk it imports statically (not the lazy-loaded pages), gzipped at
// level 9. Run `npm run build` first. Prints one line per file and the total in KB (1000 bytes).
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dist = resolve(dirname(fileURLToPath(import.meta.url)), "../dist");
const budgetBytes = 200_000;

const html = readFileSync(join(dist, "index.html"), "utf8");
const entries = [...html.matchAll(/<script[^>]+src="\/(assets\/[^"]+\.js)"/g)].map(
  (match) => match[1],
);
const preloads = [
  ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/(assets\/[^"]+\.js)"/g),
].map((match) => match[1]);

// Follows static imports (`import … from "./x.js"` and bare `import "./x.js"`) of each chunk.
const seen = new Set();
const queue = [...entries, ...preloads];
while (queue.length > 0) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  const code = readFileSync(join(dist, file), "utf8");
  for (const match of code.matchAll(
    /(?:^|[;\s}])import\s*(?:[\w${},\s*]+from\s*)?["']\.\/([^"']+\.js)["']/g,
  )) {
    queue.push(`assets/${match[1]}`);
  }
}

let total = 0;
for (const file of seen) {
  const size = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  total += size;
  console.log(`${(size / 1000).toFixed(1).padStart(8)} KB  ${file}`);
}
console.log(
  `${(total / 1000).toFixed(1).padStart(8)} KB  total gzipped JavaScript for the first page (budget ${budgetBytes / 1000} KB)`,
);
process.exit(total <= budgetBytes ? 0 : 1);
