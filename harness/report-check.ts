// Opens a k6 web-dashboard HTML report (K6_WEB_DASHBOARD_EXPORT) in headless Chromium, checks
// that its charts drew data, and saves a screenshot next to it (report.html → report.png); and
// reads back what a degradation curve (harness/curve.ts) drew.
//   npm run report -- results/<scenario>-<stamp>-report.html
// Uses Debian's chromium through playwright-core: no browser download, nothing leaves the machine
// (the report is self-contained; any request other than file: or data: is reported as an error).
import { chromium, type Browser, type Page } from 'playwright-core';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBinary } from './services.ts';

export interface ReportCheck {
  /** Charts were drawn, every one with data, and nothing went wrong on the page. */
  passed: boolean;
  /** uPlot charts in the report. */
  charts: number;
  /** Charts with a drawn series: saturated pixels, which axes and grid (grey) never have. */
  chartsWithData: number;
  /** Rows of the report's summary tables (metric name → its first value cell). */
  summary: Record<string, string>;
  /** Page errors, console errors and requests that left the file. */
  errors: string[];
  screenshot: string;
}

// A series colour differs from grey by more than this between its strongest and weakest channel.
const SATURATION = 40;
// Pixels a drawn series leaves at the least; a lone tick mark is far below it.
const MIN_SERIES_PIXELS = 30;

/** Headless Chromium (Debian's) for the length of `fn`. */
async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({
    executablePath: ensureBinary('chromium', 'chromium'),
    // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** Collects what goes wrong on a page: its errors, console errors, and any request that leaves the file. */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('request', (r) => /^(file|data|blob):/.test(r.url()) || errors.push(`request left the file: ${r.url()}`));
  return errors;
}

export interface CurveCheck {
  /** The x axis's labels as drawn, in order: one per stage. */
  axisLabels: string[];
  /** Latency points drawn (p50/p95/p99 per stage that ran). */
  points: number;
  /** Text drawn on the chart (titles, legend, marks such as "breaking point"). */
  texts: string[];
  errors: string[];
  screenshot: string;
}

// Vega groups each axis as role-axis, labelled "X-axis..." for x: its labels are the stages.
const READ_CURVE = `(() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const xAxis = [...document.querySelectorAll('g.role-axis')].find((g) => (g.getAttribute('aria-label') || '').startsWith('X-axis'));
  const axisLabels = xAxis ? [...xAxis.querySelectorAll('g.role-axis-label text')].filter(visible).map((t) => t.textContent || '') : [];
  const points = [...document.querySelectorAll('g.mark-symbol path')].filter((p) => visible(p) && !p.closest('.role-legend')).length;
  const texts = [...document.querySelectorAll('text')].filter(visible).map((t) => t.textContent || '');
  return { axisLabels, points, texts };
})()`;

/** Opens a degradation curve (harness/curve.ts) in Chromium and reads back what it drew. */
export async function checkCurve(svgPath: string, screenshot = svgPath.replace(/\.svg$/, '') + '.png'): Promise<CurveCheck> {
  return withBrowser(async (browser) => {
    const page = await browser.newPage({ viewport: { width: 900, height: 500 } });
    const errors = watch(page);
    await page.goto(pathToFileURL(resolve(svgPath)).href, { waitUntil: 'load' });
    // A string, not a function: tsx's transform would name the inner arrows with a helper the page lacks.
    const found = (await page.evaluate(READ_CURVE)) as Omit<CurveCheck, 'errors' | 'screenshot'>;
    await page.screenshot({ path: screenshot });
    return { ...found, errors, screenshot };
  });
}

export async function checkReport(htmlPath: string, screenshot = htmlPath.replace(/\.html$/, '') + '.png'): Promise<ReportCheck> {
  return withBrowser(async (browser) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = watch(page);
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    // uPlot draws on the next animation frames after load.
    await page.waitForSelector('.uplot canvas', { timeout: 5_000 }).catch(() => {});
    await page.waitForTimeout(500);
    const found = await page.evaluate(
      ({ saturation, minPixels }) => {
        const canvases = [...document.querySelectorAll<HTMLCanvasElement>('.uplot canvas')];
        const withData = canvases.filter((c) => {
          const ctx = c.getContext('2d');
          if (!ctx || c.width === 0 || c.height === 0) return false;
          const px = ctx.getImageData(0, 0, c.width, c.height).data;
          let coloured = 0;
          for (let i = 0; i < px.length; i += 4) {
            const [r, g, b, a] = [px[i]!, px[i + 1]!, px[i + 2]!, px[i + 3]!];
            if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > saturation) coloured++;
          }
          return coloured >= minPixels;
        }).length;
        const summary: Record<string, string> = {};
        for (const row of document.querySelectorAll('table tr')) {
          const cells = [...row.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '');
          if (cells.length >= 2) summary[cells[0]!] = cells[1]!;
        }
        return { charts: canvases.length, chartsWithData: withData, summary };
      },
      { saturation: SATURATION, minPixels: MIN_SERIES_PIXELS },
    );
    await page.screenshot({ path: screenshot });
    const passed = found.charts > 0 && found.chartsWithData === found.charts && errors.length === 0;
    return { passed, ...found, errors, screenshot };
  });
}

export interface VerdictPageCheck {
  /** The verdict as the page shows it: its text, and pass, fail or regressed. */
  verdict: { text: string; state: string };
  /** Each gate row as drawn: metric, bound, observed, result, and whether it is drawn as failed. */
  gates: { metric: string; bound: string; observed: string; result: string; failed: boolean }[];
  /** A comparison page's rows: what, baseline, current, verdict. */
  rows: { name: string; baseline: string; current: string; verdict: string }[];
  /** The section headings, in order (Thresholds, the findings' title, Provenance...). */
  sections: string[];
  /** The provenance table: fact → value. */
  provenance: Record<string, string>;
  /** The link to k6's charts, if the page has one, resolved against the page. */
  dashboard?: string;
  /** The failed rows' result cells are drawn red: their colour as the browser computed it. */
  failedColour?: string;
  errors: string[];
  screenshot: string;
}

// As READ_CURVE: a string, so tsx's transform does not name functions the page lacks.
const READ_VERDICT_PAGE = `(() => {
  const text = (el) => (el && el.textContent ? el.textContent.trim() : '');
  const v = document.querySelector('.verdict');
  const gates = [...document.querySelectorAll('tr.gate')].map((tr) => {
    const td = [...tr.querySelectorAll('td')].map(text);
    return { metric: td[0], bound: td[1], observed: td[2], result: td[3], failed: tr.classList.contains('fail') };
  });
  const rows = [...document.querySelectorAll('tr.row')].map((tr) => {
    const td = [...tr.querySelectorAll('td')].map(text);
    return { name: td[0], baseline: td[1], current: td[2], verdict: td[5] };
  });
  const provenance = {};
  for (const tr of document.querySelectorAll('table.provenance tr')) provenance[text(tr.querySelector('th'))] = text(tr.querySelector('td'));
  const link = document.querySelector('a.dashboard');
  const failed = document.querySelector('tr.fail td.result, tr.regressed td.result');
  return {
    verdict: { text: text(v), state: v ? v.getAttribute('data-verdict') : '' },
    gates, rows, provenance,
    sections: [...document.querySelectorAll('h2')].map(text),
    dashboard: link ? link.href : undefined,
    failedColour: failed ? getComputedStyle(failed).color : undefined,
  };
})()`;

/** Opens a verdict page (lib/report-page.ts) in Chromium and reads back what it shows; a screenshot beside it. */
export async function checkVerdictPage(htmlPath: string, screenshot = htmlPath.replace(/\.html$/, '') + '.png'): Promise<VerdictPageCheck> {
  return withBrowser(async (browser) => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watch(page);
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    const found = (await page.evaluate(READ_VERDICT_PAGE)) as Omit<VerdictPageCheck, 'errors' | 'screenshot'>;
    await page.screenshot({ path: screenshot, fullPage: true });
    return { ...found, errors, screenshot };
  });
}
