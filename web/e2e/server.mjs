// Starts a real `openlabs serve` on a temporary data directory and a free loopback port.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const webRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(webRoot, "..");

/** Returns the server binary: $OPENLABS_BINARY, or the first one built in the usual folders. */
export function findBinary() {
  const candidates = [
    process.env.OPENLABS_BINARY,
    join(repoRoot, "build/src/app/openlabs"),
    join(repoRoot, "build-web/src/app/openlabs"),
  ].filter((candidate) => candidate !== undefined && candidate !== "");
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new Error(
      `openlabs binary not found (tried ${candidates.join(", ")}); build it with 'make build' or set OPENLABS_BINARY`,
    );
  }
  return found;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

async function waitForHealth(baseUrl, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`openlabs exited with status ${child.exitCode} during start-up`);
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`openlabs did not become healthy within ${timeoutMs} ms`);
}

/**
 * Starts the server with web/dist as its web root. Returns its base URL and a stop function that
 * ends the process and removes the data directory. The server log goes to `logPath`.
 */
export async function startServer(logPath) {
  const binary = findBinary();
  const dataDir = mkdtempSync(join(tmpdir(), "openlabs-e2e-"));
  // OPENLABS_E2E_PORT pins the port, for machines where only some ports may be used.
  const port = Number(process.env.OPENLABS_E2E_PORT ?? 0) || (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const log = openSync(logPath, "w");
  const child = spawn(
    binary,
    [
      "serve",
      "--data-dir",
      dataDir,
      "--listen",
      `127.0.0.1:${port}`,
      "--web-root",
      join(webRoot, "dist"),
    ],
    { stdio: ["ignore", log, log] },
  );
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((done) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          done();
        }, 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          done();
        });
      });
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseUrl, child, 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, binary, dataDir, stop };
}
