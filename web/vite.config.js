import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { resolve, join } from "node:path";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

// Precompressed siblings (.gz, .br) of every text asset, made once at build time, so the app serves
// /assets/* compressed without compressing per request (storyanalytics/api/spa.py picks one by
// Accept-Encoding). The CDN compresses on its own and never gets these files.
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|map|txt)$/;
function precompress() {
  return {
    name: "story-analytics-precompress",
    apply: "build",
    writeBundle(options) {
      const dir = join(options.dir, "assets");
      for (const name of readdirSync(dir)) {
        if (!COMPRESSIBLE.test(name)) continue;
        const raw = readFileSync(join(dir, name));
        writeFileSync(join(dir, `${name}.gz`), gzipSync(raw, { level: 9 }));
        const br = brotliCompressSync(raw, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
        });
        writeFileSync(join(dir, `${name}.br`), br);
      }
    },
  };
}

// Two pages: the app (index.html) and the small embed page (embed.html) that never imports the editor.
export default defineConfig({
  plugins: [react(), precompress()],
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
