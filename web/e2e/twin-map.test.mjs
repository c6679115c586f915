// The 数字孪生 screen: the district map shows the twin's devices as markers, and a marker's
// value (and colour) follows a change made through the NGSI-LD API, without reloading.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { apiLogin, env, launchBrowser, loginDemo, nav, newPage, screenshot, uniqueSuffix } from './helpers.mjs'

let browser
before(async () => {
  env()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

/** The marker of `id` in the map's device source (read back from MapLibre), or null. */
function marker(page, id) {
  return page.evaluate(async (wanted) => {
    const features = (await window.__yuverseTwin?.deviceFeatures()) ?? []
    return features.find((f) => f.properties.id === wanted)?.properties ?? null
  }, id)
}

/** Polls until the marker of `id` has this value; returns its properties. */
async function waitForMarker(page, id, value, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = await marker(page, id)
    if (found && found.value === value) return found
    assert.ok(Date.now() < deadline, `marker ${id} did not reach ${value}: ${JSON.stringify(found)}`)
    await page.waitForTimeout(250)
  }
}

test('the twin map shows devices and a marker value changes live', async () => {
  const { demoPassword } = env()
  const suffix = uniqueSuffix()
  const sensor = `urn:ngsi-ld:AirQualityObserved:e2e-${suffix}`
  const building = `urn:ngsi-ld:Building:e2e-${suffix}`
  // The responsible unit's office writes to the twin with its own session.
  const api = await apiLogin('demo-office', demoPassword)
  let r = await api('POST', '/ngsi-ld/v1/entities', {
    id: sensor,
    type: 'AirQualityObserved',
    pm25: { type: 'Property', value: 20 },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [106.6, 29.72] } },
  })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  r = await api('POST', '/ngsi-ld/v1/entities', {
    id: building,
    type: 'Building',
    name: { type: 'Property', value: '仙桃数据谷 e2e 楼' },
    height: { type: 'Property', value: 180 },
    location: {
      type: 'GeoProperty',
      value: { type: 'Polygon', coordinates: [[[106.505, 29.664], [106.512, 29.664], [106.512, 29.67], [106.505, 29.67], [106.505, 29.664]]] },
    },
  })
  assert.equal(r.status, 201, JSON.stringify(r.body))

  const page = await newPage(browser)
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  await loginDemo(page, 'demo-office')
  await nav(page, 'twin')
  await page.locator('[data-testid="twin-map"][data-loaded="true"]').waitFor()
  await page.getByTestId('alert-panel').waitFor()
  await page.getByTestId('twin-legend').waitFor()

  const before = await waitForMarker(page, sensor, 20)
  assert.ok(Number(await page.getByTestId('twin-map').getAttribute('data-building-count')) >= 1)
  // The page must not reload: this mark would disappear.
  await page.evaluate(() => (window.__sameDocument = true))

  // Clicking the marker opens the inspector with its value.
  const point = await page.evaluate((id) => window.__yuverseTwin.screenPoint(id), sensor)
  assert.ok(point, 'the marker is on the map')
  await page.mouse.click(point.x, point.y)
  const inspector = page.locator(`[data-testid="entity-inspector"][data-entity-id="${sensor}"]`)
  await inspector.waitFor()
  await inspector.locator('[data-testid="inspector-value"][data-value="20"]').waitFor()

  // The value changes through the API; the marker and the inspector follow on their own.
  r = await api('PATCH', `/ngsi-ld/v1/entities/${encodeURIComponent(sensor)}/attrs`, {
    pm25: { type: 'Property', value: 130 },
  })
  assert.equal(r.status, 204, JSON.stringify(r.body))
  const afterChange = await waitForMarker(page, sensor, 130)
  assert.notEqual(afterChange.colour, before.colour, 'the marker takes the colour of its new value')
  await inspector.locator('[data-testid="inspector-value"][data-value="130"]').waitFor()
  await inspector.getByTestId('history-chart').waitFor()
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded')
  assert.deepEqual(errors, [])
  await screenshot(page, 'twin-map-live')

  // Layer switches hide a device type's markers.
  await page.getByTestId('layer-AirQualityObserved').click()
  for (let i = 0; (await marker(page, sensor)) !== null; i++) {
    assert.ok(i < 40, 'the switched-off type is no longer drawn')
    await page.waitForTimeout(250)
  }

  // The management tabs open.
  await page.getByRole('tab', { name: '订阅管理' }).click()
  await page.getByTestId('subscriptions-table').waitFor()
  await page.getByRole('tab', { name: '设备管理' }).click()
  await page.getByTestId('devices-table').waitFor()
  await screenshot(page, 'twin-devices')
})

test('the map shows the simulated district devices and their values change live', async () => {
  const page = await newPage(browser)
  await loginDemo(page, 'demo-office')
  await nav(page, 'twin')
  await page.locator('[data-testid="twin-map"][data-loaded="true"]').waitFor()
  await page.evaluate(() => (window.__sameDocument = true))

  // The simulator's devices (serve --demo) are markers with ids urn:ngsi-ld:<Type>:yubei:…
  const simulated = () =>
    page.evaluate(async () => {
      const features = (await window.__yuverseTwin?.deviceFeatures()) ?? []
      return features
        .filter((f) => String(f.properties.id).includes(':yubei:'))
        .map((f) => ({ id: f.properties.id, value: f.properties.value }))
    })
  let first = []
  for (let i = 0; first.length === 0; i++) {
    assert.ok(i < 80, 'simulated devices appear on the map')
    await page.waitForTimeout(250)
    first = await simulated()
  }
  const types = new Set(first.map((m) => m.id.split(':')[2]))
  assert.ok(types.size >= 5, `several device types are simulated: ${[...types]}`)

  // Their measures arrive over MQTT every few seconds; some marker's value moves.
  const was = new Map(first.map((m) => [m.id, m.value]))
  let changed = null
  for (let i = 0; !changed; i++) {
    assert.ok(i < 120, 'a simulated marker changes its value')
    await page.waitForTimeout(250)
    changed = (await simulated()).find((m) => was.has(m.id) && m.value !== was.get(m.id))
  }
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded')
  await screenshot(page, 'twin-map-simulated')
})
