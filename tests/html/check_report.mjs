// Opens a mutrun HTML report in headless Chromium (playwright-core), clicks through to one file
// as a person would, waits for its mutants to render, saves a screenshot, and prints every text
// the page shows (shadow DOM included) and each mutant dot's id and class as JSON.
// Usage: node check_report.mjs REPORT.html FILE_LINK_TEXT SCREENSHOT.png
import { chromium } from "playwright-core";

const [report, file, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`file://${report}`);
  // Locators pierce the component's shadow DOM.
  await page.getByRole("link", { name: file }).first().click({ timeout: 30000 });
  await page.getByText("Survived", { exact: false }).first().waitFor({ timeout: 30000 });
  const texts = await page.evaluate(() => {
    const out = [];
    const walk = (node) => {
      if (node.shadowRoot) walk(node.shadowRoot);
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE && child.textContent.trim()) out.push(child.textContent.trim());
        else walk(child);
      }
    };
    walk(document.body);
    return out;
  });
  // Each mutant is a dot on its line, carrying its id and status.
  const dots = await page.locator("svg.mutant-dot").evaluateAll((els) =>
    els.map((e) => ({ id: e.getAttribute("data-mutant-id"), class: e.getAttribute("class") })),
  );
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ texts, dots, errors }));
} finally {
  await browser.close();
}
