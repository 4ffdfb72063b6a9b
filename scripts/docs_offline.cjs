#!/usr/bin/env node
// Open a running mock's /docs in headless Chromium with every request to another origin
// refused, and check that the page renders the mock's own document: what scripts/check cannot
// (it needs a browser). Exit 0 when the viewer rendered and nothing left the mock.
//
//   mockserver serve --port 0 &            # note its URL
//   npm install --prefix /tmp/docs-check puppeteer-core@24
//   NODE_PATH=/tmp/docs-check/node_modules node scripts/docs_offline.cjs URL [screenshot.png]
//
// CHROMIUM names the browser (default /usr/bin/chromium: Debian's `chromium` package).
"use strict";
const puppeteer = require("puppeteer-core");

async function main() {
  const [base, screenshot] = process.argv.slice(2);
  if (!base) {
    console.error("usage: docs_offline.cjs URL [screenshot.png]");
    return 2;
  }
  const origin = new URL(base).origin;
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const served = [];
    const refused = [];
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      const url = request.url();
      if (url.startsWith("data:") || url.startsWith("blob:")) return request.continue();
      if (new URL(url).origin === origin) return request.continue();
      refused.push(url);
      return request.abort("internetdisconnected");
    });
    page.on("response", (response) => {
      if (new URL(response.url()).origin === origin) {
        served.push(`${response.status()} ${response.url().slice(origin.length)}`);
      }
    });
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(`${origin}/docs`, { waitUntil: "networkidle0", timeout: 60000 });
    const spec = await (await fetch(`${origin}/openapi.json`)).json();
    const title = spec.info.title;
    const summaries = Object.values(spec.paths).flatMap((item) =>
      Object.values(item)
        .filter((op) => op && typeof op === "object" && op.summary)
        .map((op) => op.summary),
    );
    // The viewer has rendered when the document's title and its operations are on the page.
    await page.waitForFunction((t) => document.body.innerText.includes(t), { timeout: 60000 }, title);
    const text = await page.evaluate(() => document.body.innerText);
    const shown = summaries.filter((summary) => text.includes(summary));
    const fallback = await page.evaluate(() => !document.getElementById("offline")?.hidden);
    if (screenshot) await page.screenshot({ path: screenshot });
    console.log(`served by the mock (${served.length}):`);
    for (const line of served) console.log(`  ${line.slice(0, 120)}`);
    console.log(`refused, to other origins (${refused.length}):`);
    for (const url of refused) console.log(`  ${url}`);
    console.log(`page errors: ${errors.length}${errors.length ? "\n  " + errors.join("\n  ") : ""}`);
    console.log(`title shown: ${text.includes(title)}; offline fallback shown: ${fallback}`);
    console.log(`operation summaries shown: ${shown.length} of ${new Set(summaries).size} distinct`);
    const ok = refused.length === 0 && !fallback && shown.length > 0 && errors.length === 0;
    console.log(ok ? "OK: the page rendered offline" : "FAILED");
    return ok ? 0 : 1;
  } finally {
    await browser.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
