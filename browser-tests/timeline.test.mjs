// Opens each timeline the Rust test made (its manifest: LAB_BROWSER_MANIFEST)
// in headless Chromium and checks what a person would see. Render times are
// printed, never asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, open } from './browser.mjs';

const manifestPath = process.env.LAB_BROWSER_MANIFEST;
if (!manifestPath) throw new Error('LAB_BROWSER_MANIFEST is not set: run `cargo test -p lab --test browser`');
const entries = JSON.parse(readFileSync(manifestPath, 'utf8'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

for (const entry of entries) {
  test(entry.name, async () => {
    const { page, errors, requests, loadMs } = await open(browser.context, entry.file);
    const script = await page.getAttribute('body', 'data-script-ms');
    const total = await page.getAttribute('body', 'data-page-ms');
    console.log(`${entry.name}: drawn in ${script} ms by the script, ${total} ms from navigation, ${loadMs} ms as the test saw it`);
    assert.deepEqual(errors, [], 'no JavaScript errors');
    assert.deepEqual(requests, [], 'no network requests');
    assert.equal(await page.getAttribute('body', 'data-ready'), 'true');

    // One lane per server incarnation, each a distinct (server, incarnation).
    const lanes = await page.$$eval('#chart .lane', ls => ls.map(l => [l.dataset.server, l.dataset.incarnation].join('/')));
    assert.equal(lanes.length, entry.incarnations, 'one lane per incarnation');
    assert.equal(new Set(lanes).size, lanes.length, 'no lane twice');
    const servers = new Set(lanes.map(l => l.split('/')[0]));
    assert.equal(servers.size, entry.servers, 'every server has a lane');

    // The network track: a stripe per ordered pair of servers.
    assert.equal(await page.locator('#network-track').count(), 1);
    const pairs = await page.$$eval('#network-track .link', ls => new Set(ls.map(l => l.dataset.from + '>' + l.dataset.to)).size);
    assert.equal(pairs, entry.servers * (entry.servers - 1), 'links of every ordered pair');

    // The failure marker with the course's message (and the oracle).
    const marker = page.locator('#failure-marker');
    if (entry.failure) {
      assert.equal(await marker.count(), 1);
      const tip = await marker.getAttribute('data-tip');
      assert.ok(tip.includes(entry.failure), `marker says "${entry.failure}": ${tip}`);
      const banner = await page.locator('#failure-banner').innerText();
      assert.ok(banner.includes(entry.failure), banner);
      assert.equal(banner.includes('strict oracle'), entry.oracle, banner);
      assert.ok((await page.locator('header h1').innerText()).includes('FAILED'));
    } else {
      assert.equal(await marker.count(), 0);
      assert.ok((await page.locator('header h1').innerText()).includes('PASSED'));
    }

    // Hover: every mark has details.
    const lane = page.locator('#chart .lane').first();
    await lane.hover({ position: { x: 3, y: 40 } });
    assert.equal(await page.locator('#tooltip').isVisible(), true, 'a tooltip on hover');
    assert.ok((await page.locator('#tooltip').innerText()).length > 0);

    // Click: the time cursor and the state panel, one row per server.
    assert.equal(await page.locator('#state-panel').isVisible(), false);
    const chart = await page.locator('#chart').boundingBox();
    await page.mouse.click(chart.x + chart.width * 0.6, chart.y + chart.height - 20);
    assert.equal(await page.locator('#state-panel').isVisible(), true);
    const rows = await page.$$eval('#state-table tr.server-state', rs => rs.map(r => r.cells[0].textContent));
    assert.deepEqual(rows, Array.from({ length: entry.servers }, (_, i) => 'S' + i));
    // The cursor line is drawn on the next animation frame.
    await page.locator('#cursor-line').waitFor({ state: 'attached' });
    assert.equal(await page.locator('#cursor-line').count(), 1);
    assert.equal(await page.locator('#link-grid tr').count(), entry.servers + 1);

    // Roles and RPCs, when the run's events have them (the lab derives
    // them from the wire and inspect() for any Raft).
    if (entry.roles > 0) assert.ok(await page.locator('#chart .role').count() > 0, 'role spans');
    if (entry.rpcs > 0) assert.ok(await page.locator('#rpcs path').count() > 0, 'RPC arrows or bundles');

    // Zoom in: the visible range narrows.
    const before = await page.locator('#readout').innerText();
    await page.click('#zoom-in');
    await page.waitForFunction(b => document.getElementById('readout').textContent !== b, before);
    if (entry.failure) {
      await page.click('#zoom-failure');
      await page.waitForTimeout(50);
    } else {
      await page.click('#zoom-fit');
    }
    await page.screenshot({ path: entry.screenshot, fullPage: true });
    await page.close();
  });
}
