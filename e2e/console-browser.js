// The Tern web console in headless Chromium: node console-browser.js URL USER PASSWORD SHOTS_DIR
// Speaks a line protocol with the Java test (ConsoleBrowserTest): it prints a line after each step and the test,
// with its Paho clients, checks what the step did to the broker.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [url, user, password, shots] = process.argv.slice(2);
const say = (line) => console.log(line);

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.TERN_E2E_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 760 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    fs.mkdirSync(shots, { recursive: true });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(30000);
    page.on('console', (m) => { if (m.type() === 'error') console.log('PAGE ' + m.text()); });
    page.on('pageerror', (e) => console.log('PAGE ERROR ' + e.message));

    await page.goto(url);
    await page.waitForSelector('#login-form', { state: 'visible' });
    await page.fill('#login-user', user);
    await page.fill('#login-password', 'wrong-' + password);
    await page.click('#login-submit');
    await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
    say('LOGIN_REFUSED ' + await page.textContent('#login-error'));
    await page.fill('#login-password', password);
    await page.click('#login-submit');
    await page.waitForSelector('#app', { state: 'visible' });
    await page.waitForSelector('#live-state.on');
    say('LOGGED_IN ' + await page.textContent('#who'));

    // a topic a Paho client publishes appears in the tree with its value
    const live = '[data-topic="console/live/temperature"]';
    await page.waitForSelector(live + ' .value:text-is("21.5")');
    await page.click(live);
    await page.waitForFunction(() => document.querySelector('#viewer-payload').textContent === '21.5');
    say('SAW_TOPIC console/live/temperature ' + await page.textContent(live + ' .value'));
    await page.click('[data-topic="console/json/reading"]');
    await page.click('[data-view="json"]');
    await page.waitForFunction(() => document.querySelector('#viewer-payload').textContent.includes('\n'));
    await page.screenshot({ path: path.join(shots, 'console-topics.png') });

    // publish from the form: the Paho subscriber receives it
    await page.click('nav [data-tab="pubsub"]');
    await page.fill('#subscribe-filter', 'console/#');
    await page.click('#subscribe-form button[type="submit"]');
    await page.fill('#publish-topic', 'console/from/browser');
    await page.fill('#publish-payload', 'hello from chromium');
    await page.click('#publish-submit');
    await page.waitForFunction(() => document.querySelector('#publish-result').textContent.startsWith('Published'));
    await page.waitForSelector('#messages li:has-text("hello from chromium")');
    say('PUBLISHED');
    await page.screenshot({ path: path.join(shots, 'console-pubsub.png') });

    // kick a client from the clients table
    await page.click('nav [data-tab="clients"]');
    const row = '#clients-table tr[data-client="kick-target"]';
    await page.waitForSelector(row + ' button.kick');
    await page.screenshot({ path: path.join(shots, 'console-clients.png') });
    await page.click(row + ' button.kick');
    await page.waitForFunction((r) => !document.querySelector(r + ' button.kick'), row);
    say('KICKED');

    // delete a retained message from the retained tab
    await page.click('nav [data-tab="retained"]');
    await page.fill('#retained-filter', 'console/#');
    await page.click('#retained-refresh');
    const ret = '#retained-table tr[data-topic="console/retained/old"]';
    await page.waitForSelector(ret);
    await page.click(ret + ' button.delete');
    await page.waitForSelector(ret, { state: 'detached' });
    say('DELETED');

    // "why was my message not delivered?": a trace shows that nobody subscribes to a topic
    await page.click('nav [data-tab="trace"]');
    await page.fill('#trace-filter', 'console/trace/#');
    await page.click('#trace-form button[type="submit"]');
    await page.waitForSelector('#trace-list .chip');
    say('TRACE_STARTED');
    await page.waitForSelector('#trace-table tr.ev-no_subscriber');
    await page.screenshot({ path: path.join(shots, 'console-trace.png') });
    say('TRACE_SEEN ' + await page.textContent('#trace-table tr.ev-no_subscriber td:nth-child(4)'));

    const before = await page.evaluate(() => document.body.dataset.chartsAt || '');
    await page.click('nav [data-tab="charts"]');
    await page.waitForFunction((b) => (document.body.dataset.chartsAt || '') !== b, before);
    await page.screenshot({ path: path.join(shots, 'console-charts.png') });
    await page.click('nav [data-tab="topics"]');
    await page.click('[data-topic="console/live/temperature"]');
    await page.click('[data-view="text"]');
    await page.waitForSelector('[data-topic="console/live/temperature"].selected');
    await page.screenshot({ path: path.join(shots, 'console.png') });
    say('DONE');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
})().catch((e) => { console.log('FAILED ' + (e && e.stack || e)); process.exit(1); });
