import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { resolve } from "node:path";

// Two pages: the app (index.html) and the small embed page (embed.html) that never imports the editor.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    // Plain dynamic imports (the map atlases) with no preload helper: the HTML export inlines chunks
    // under bare names and a page opened from a file cannot preload /assets/ paths.
    modulePreload: false,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, "index.html"),
        embed: resolve(import.meta.dirname, "embed.html"),
      },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8000", "/embed.js": "http://127.0.0.1:8000" } },
  test: { environment: "jsdom", include: ["src/**/*.test.{js,jsx}"] },
});
