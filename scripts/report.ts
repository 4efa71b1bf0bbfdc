// `npm run report -- <results/...-report.html>`: opens a k6 web-dashboard report in headless
// Chromium and checks that every chart drew data (harness/report-check.ts), saving a screenshot.
import { existsSync } from 'node:fs';
import { checkReport, type ReportCheck } from '../harness/report-check.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npm run report -- <results/...-report.html>\n');
  process.exit(2);
}
if (!existsSync(file)) {
  process.stderr.write(
    `floodgate report: no file ${file}; the demo names its report at the end of its output (results/<scenario>-<stamp>-report.html)\n`,
  );
  process.exit(2);
}
let r: ReportCheck;
try {
  r = await checkReport(file);
} catch (err) {
  process.stderr.write(`floodgate report: cannot check ${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.exit(1);
}
process.stdout.write(`${file}: ${r.chartsWithData} of ${r.charts} charts drew data; screenshot ${r.screenshot}\n`);
for (const e of r.errors) process.stderr.write(`  ${e}\n`);
process.exit(r.passed ? 0 : 1);
