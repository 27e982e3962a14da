// The dashboard (/_sim/ui) end to end, in headless Chromium: Debian's /usr/bin/chromium
// driven by playwright-core (no browser download). Each test starts its own simulator
// (the binary in DBAAS_SIM_BIN, default target/release/dbaas-sim) on 127.0.0.1:0 with
// the manual clock, and waits on what the page shows (bounded), never on a timer.
// Screenshots go to DBAAS_SIM_UI_ARTIFACTS (default target/ui-artifacts/).
//
//   cd tests/ui && npm ci && npm test          (.ci/run does this)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.DBAAS_SIM_BIN || path.join(REPO, 'target', 'release', 'dbaas-sim');
const ARTIFACTS = process.env.DBAAS_SIM_UI_ARTIFACTS || path.join(REPO, 'target', 'ui-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PATIENCE = 15_000; // ms, every bounded wait
const ORG = '00000000-0000-4000-8000-000000000001';
const BASIC = 'Basic ' + Buffer.from('sim-key:sim-secret').toString('base64');

let browser;
const sims = [];

before(async () => {
  assert.ok(existsSync(BIN), `the dbaas-sim binary ${BIN} exists (cargo build --release, or set DBAAS_SIM_BIN)`);
  assert.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // launch() gives Chromium a fresh, empty --user-data-dir of its own each time.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  for (const s of sims) s.proc.kill('SIGTERM');
  if (browser) await browser.close();
});

/** Starts `dbaas-sim serve` on 127.0.0.1:0 (with `extra` flags) and resolves with its URL once it printed the listening line. */
function startSim(extra = []) {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--addr', '127.0.0.1:0', '--clock', 'manual', ...extra];
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no listening line within ${PATIENCE} ms: ${err}`)), PATIENCE);
    proc.stderr.on('data', (d) => { err += d; });
    proc.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        const m = /^dbaas-sim listening on (http:\/\/\S+)$/.exec(line);
        if (!m) reject(new Error(`unexpected first line ${JSON.stringify(line)}`));
        const sim = { url: m[1], proc };
        sims.push(sim);
        resolve(sim);
      }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`dbaas-sim exited ${code}: ${err}`)); });
  });
}

/** A request straight to the simulator (the API under test, not through the page). */
async function call(sim, method, p, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(sim.url + p, init);
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function instanceCreate(sim, name) {
  const r = await call(sim, 'POST', `/v1/organizations/${ORG}/services`,
    { name, provider: 'aws', region: 'us-east-1' }, { authorization: BASIC });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.result.service.id;
}

/** A page on the dashboard, live (following /_sim/events), with what it loaded recorded. */
async function openDashboard(sim, fragment = '') {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const seen = { requests: [], errors: [], navigations: 0 };
  page.on('request', (r) => seen.requests.push({ url: r.url(), headers: r.headers() }));
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) seen.navigations += 1; });
  await page.goto(`${sim.url}/_sim/ui${fragment}`);
  await page.locator('body[data-live="on"]').waitFor({ timeout: PATIENCE });
  return { page, context, seen };
}

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const row = (page, id) => page.locator(`tr.resource[data-id="${id}"]`);

test('a service created over the API appears without a reload and runs after an advance from the page', async () => {
  const sim = await startSim();
  const { page, context, seen } = await openDashboard(sim);

  const id = await instanceCreate(sim, 'watched live');
  await row(page, id).and(page.locator('[data-state="provisioning"]')).waitFor({ timeout: PATIENCE });
  assert.equal(await row(page, id).getAttribute('data-kind'), 'services');
  assert.match(await row(page, id).innerText(), /watched live/);
  await shot(page, '01-service-provisioning');

  await page.fill('#advance-seconds', '60');
  await page.click('#advance-button');
  await row(page, id).and(page.locator('[data-state="running"]')).waitFor({ timeout: PATIENCE });
  await page.locator('#clock-now', { hasText: '2025-01-01T00:01:00Z' }).waitFor({ timeout: PATIENCE });
  assert.match(await page.locator('#advance-result').innerText(), /1 transition applied/);
  await page.locator('#events li.transition', { hasText: 'provisioning → running' }).waitFor({ timeout: PATIENCE });
  await shot(page, '02-service-running');

  const got = await call(sim, 'GET', `/v1/organizations/${ORG}/services/${id}`, undefined, { authorization: BASIC });
  assert.equal(got.json.result.state, 'running', 'the page advanced the simulator, not only itself');
  assert.equal(seen.navigations, 1, 'no reload');
  assert.deepEqual(seen.errors, []);
  const foreign = seen.requests.filter((r) => !r.url.startsWith(sim.url + '/_sim/'));
  assert.deepEqual(foreign, [], 'the page loads nothing from elsewhere');
  await context.close();
});

test('fault rules are added and removed from the page', async () => {
  const sim = await startSim();
  const { page, context, seen } = await openDashboard(sim);
  await page.fill('#fault-rule', JSON.stringify({
    id: 'storm', match: { provider: 'clickhouse', operation: 'instanceCreate' },
    action: { kind: 'status', status: 503 }, schedule: { times: 1 },
  }));
  await page.click('#add-fault');
  await page.locator('#faults tr.fault[data-id="storm"]').waitFor({ timeout: PATIENCE });
  assert.deepEqual((await call(sim, 'GET', '/_sim/faults')).json.faults.map((f) => f.id), ['storm']);

  // The rule fires on a request from elsewhere: the page shows the count without a reload.
  const r = await call(sim, 'POST', `/v1/organizations/${ORG}/services`,
    { name: 'refused', provider: 'aws', region: 'us-east-1' }, { authorization: BASIC });
  assert.equal(r.status, 503);
  await page.locator('#faults tr.fault[data-id="storm"] td.fired', { hasText: '1' }).waitFor({ timeout: PATIENCE });
  await shot(page, '03-fault-rule-fired');

  await page.click('#faults tr.fault[data-id="storm"] button.remove-fault');
  await page.locator('#faults tr.fault').waitFor({ state: 'detached', timeout: PATIENCE });
  assert.deepEqual((await call(sim, 'GET', '/_sim/faults')).json.faults, []);
  assert.deepEqual(seen.errors, []);
  await context.close();
});

test('control-API errors are shown on the page', async () => {
  const sim = await startSim();
  const { page, context } = await openDashboard(sim);

  await page.fill('#advance-seconds', '-5');
  await page.click('#advance-button');
  await page.locator('#error:not([hidden])', { hasText: 'seconds must be a non-negative number' }).waitFor({ timeout: PATIENCE });
  assert.match(await page.locator('#error-text').innerText(), /POST \/_sim\/clock\/advance: 400/);
  await shot(page, '04-control-error');
  await page.click('#error-close');
  await page.locator('#error').waitFor({ state: 'hidden', timeout: PATIENCE });

  await page.fill('#fault-rule', '{"action": {"kind": "explode"}}');
  await page.click('#add-fault');
  await page.locator('#error:not([hidden])', { hasText: 'POST /_sim/faults: 400' }).waitFor({ timeout: PATIENCE });
  assert.match(await page.locator('#error-text').innerText(), /explode/);

  await page.fill('#fault-rule', '{not json');
  await page.click('#add-fault');
  await page.locator('#error:not([hidden])', { hasText: 'the fault rule is not JSON' }).waitFor({ timeout: PATIENCE });
  assert.deepEqual((await call(sim, 'GET', '/_sim/faults')).json.faults, [], 'nothing was added');
  await context.close();
});

test('the journal filters requests and follows new ones live', async () => {
  const sim = await startSim();
  const { page, context } = await openDashboard(sim);
  await instanceCreate(sim, 'journaled');
  assert.equal((await call(sim, 'GET', '/nowhere')).status, 404);
  await page.locator('#requests tr.request', { hasText: '/nowhere' }).waitFor({ timeout: PATIENCE });

  await page.fill('#filter-status', '404');
  await page.click('#apply-filters');
  await page.locator('#requests tr.request[data-status="200"]').waitFor({ state: 'detached', timeout: PATIENCE });
  assert.equal(await page.locator('#requests tr.request').count(), 1, 'the one 404, /nowhere');

  // Live: a new 404 joins the table, a new 200 does not.
  await instanceCreate(sim, 'filtered out');
  assert.equal((await call(sim, 'GET', '/elsewhere')).status, 404);
  await page.locator('#requests tr.request', { hasText: '/elsewhere' }).waitFor({ timeout: PATIENCE });
  assert.equal(await page.locator('#requests tr.request').count(), 2);
  assert.equal(await page.locator('#requests tr.request[data-status="200"]').count(), 0);
  await shot(page, '05-journal-filtered');
  await context.close();
});

test('the page sends the admin token from its URL fragment on every request', async () => {
  // A simulator that requires the token: the page works only if it sends it.
  const sim = await startSim(['--admin-token', 's3cret']);
  assert.equal((await call(sim, 'GET', '/_sim/health')).status, 401, 'the control API needs the token');
  const { page, context, seen } = await openDashboard(sim, '#token=s3cret');
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
  await page.click('#advance-button');
  await page.locator('#advance-result', { hasText: 'transition' }).waitFor({ timeout: PATIENCE });
  const control = seen.requests.filter((r) => new URL(r.url).pathname.startsWith('/_sim/') && !r.url.includes('/_sim/ui'));
  for (const p of ['/_sim/events', '/_sim/state', '/_sim/clock/advance']) {
    assert.ok(control.some((r) => new URL(r.url).pathname === p), `the page asked for ${p}`);
  }
  for (const r of control) assert.equal(r.headers.authorization, 'Bearer s3cret', r.url);
  assert.ok(await page.locator('#error').isHidden(), 'no control-API error on the page');
  assert.deepEqual(seen.errors, []);
  await context.close();
});
