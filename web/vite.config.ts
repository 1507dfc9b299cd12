import { fileURLToPath, URL } from "node:url";

import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `npm run dev` forwards API calls to a local `openlabs serve` (default port 8080).
const apiTarget = process.env.OPENLABS_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": apiTarget },
  },
  build: {
    // pdf.js and its worker are large but load only on the article page; Swagger UI (about
    // 1550 kB) loads only on the API reference page.
    chunkSizeWarningLimit: 1600,
    rollupOptions: {
      // The server sends api-docs.html for GET /api/docs.
      input: {
        index: fileURLToPath(new URL("./index.html", import.meta.url)),
        "api-docs": fileURLToPath(new URL("./api-docs.html", import.meta.url)),
      },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
  },
});
