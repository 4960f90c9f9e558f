// MQTT.js's browser bundle in headless Chromium: node browser-client.js PREFIX URL...
// Chromium is Debian's (/usr/bin/chromium, or $TERN_E2E_CHROMIUM). The page is about:blank with the bundle
// injected, so no web server is needed; wss:// works because the test's CA is not in Chromium's store and
// --ignore-certificate-errors is given (this checks the transport, not certificate validation).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { main } = require('./exchange');

const [prefix, ...urls] = process.argv.slice(2);

main(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.TERN_E2E_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--ignore-certificate-errors'],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => console.log('PAGE ' + m.text()));
    await page.exposeFunction('report', (line) => console.log(line));
    await page.setContent('<!doctype html><title>tern e2e</title>');
    await page.addScriptTag({ path: path.join(__dirname, 'node_modules', 'mqtt', 'dist', 'mqtt.min.js') });
    // exchange.js is CommonJS; give the page the same function by source
    const source = fs.readFileSync(path.join(__dirname, 'exchange.js'), 'utf8');
    await page.addScriptTag({ content: 'window.module = {}; ' + source + '; window.exchange = module.exports.exchange;' });
    await page.evaluate(([u, p]) => window.exchange(window.mqtt, u, p, {}, window.report), [urls, prefix]);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
