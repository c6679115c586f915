// The 数字孪生 screen's management tabs: a responsible unit creates and deletes an NGSI-LD
// subscription and a context source registration, and provisions and deletes an MQTT device,
// all through the UI.
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

async function confirmDelete(page) {
  await page.locator('.el-message-box').getByRole('button', { name: '删除' }).click()
}

test('demo-unit manages subscriptions and devices of the twin', async () => {
  const suffix = uniqueSuffix()
  const page = await newPage(browser)
  await loginDemo(page, 'demo-unit')
  await nav(page, 'twin')

  // A subscription to air quality changes.
  await page.getByRole('tab', { name: '订阅管理' }).click()
  await page.getByTestId('subscription-create').click()
  const subDialog = page.getByTestId('subscription-dialog')
  const description = `e2e 空气质量订阅 ${suffix}`
  await subDialog.getByTestId('subscription-description').fill(description)
  await subDialog.getByTestId('subscription-watched').fill('pm25')
  await subDialog.getByTestId('subscription-q').fill('pm25>75')
  await subDialog.getByTestId('subscription-endpoint').fill('http://127.0.0.1:9/notify')
  await subDialog.getByTestId('subscription-submit').click()
  await subDialog.waitFor({ state: 'hidden' })
  const subRow = page.getByTestId('subscriptions-table').locator('tr.el-table__row', { hasText: description })
  await subRow.waitFor()
  assert.match(await subRow.innerText(), /AirQualityObserved/)
  await screenshot(page, 'twin-subscriptions')
  await subRow.getByRole('button', { name: '删除' }).click()
  await confirmDelete(page)
  await subRow.waitFor({ state: 'detached' })

  // A park's own platform registered as a context source.
  await page.getByRole('tab', { name: '数据源登记' }).click()
  await page.getByTestId('source-create').click()
  const srcDialog = page.getByTestId('source-dialog')
  const sourceName = `e2e 园区数据平台 ${suffix}`
  await srcDialog.getByTestId('source-name').fill(sourceName)
  await srcDialog.getByTestId('source-properties').fill('availableSpotNumber, totalSpotNumber')
  // Port 9 (discard) refuses at once: reads that ask it go on without it.
  await srcDialog.getByTestId('source-endpoint').fill('http://127.0.0.1:9')
  await srcDialog.getByTestId('source-submit').click()
  await srcDialog.waitFor({ state: 'hidden' })
  const srcRow = page.getByTestId('sources-table').locator('tr.el-table__row', { hasText: sourceName })
  await srcRow.waitFor()
  const srcText = await srcRow.innerText()
  assert.match(srcText, /availableSpotNumber, totalSpotNumber/)
  assert.match(srcText, /合并（inclusive）/)
  assert.match(srcText, /http:\/\/127\.0\.0\.1:9/)
  await screenshot(page, 'twin-sources')
  await srcRow.getByRole('button', { name: '删除' }).click()
  await confirmDelete(page)
  await srcRow.waitFor({ state: 'detached' })

  // A device publishing with a key of the unit's organisation.
  const api = await apiLogin('demo-unit', env().demoPassword)
  const me = await api('GET', '/api/v1/me')
  const key = await api('POST', '/api/v1/api-keys', {
    name: `e2e-device-${suffix}`,
    organisation_id: me.body.organisation.id,
    permissions: ['mqtt:publish'],
  })
  assert.equal(key.status, 201, JSON.stringify(key.body))
  const deviceId = `e2e-aq-${suffix}`
  await page.getByRole('tab', { name: '设备管理' }).click()
  await page.getByTestId('device-create').click()
  const devDialog = page.getByTestId('device-dialog')
  await devDialog.getByTestId('device-id').fill(deviceId)
  await devDialog.getByTestId('device-entity-name').fill(`urn:ngsi-ld:AirQualityObserved:${deviceId}`)
  await devDialog.getByTestId('device-api-key').fill(key.body.id)
  await devDialog.getByTestId('device-submit').click()
  await devDialog.waitFor({ state: 'hidden' })
  const devRow = page.getByTestId('devices-table').locator('tr.el-table__row', { hasText: deviceId })
  await devRow.waitFor()
  assert.match(await devRow.innerText(), new RegExp(`/${key.body.id}/${deviceId}/attrs`))
  await screenshot(page, 'twin-device-provisioned')
  await page.getByTestId(`device-delete-${deviceId}`).click()
  await confirmDelete(page)
  await devRow.waitFor({ state: 'detached' })
})

test('a citizen sees the live map but not device management', async () => {
  const page = await newPage(browser)
  await loginDemo(page, 'demo-citizen')
  await nav(page, 'twin')
  await page.locator('[data-testid="twin-map"][data-loaded="true"]').waitFor()
  await page.getByRole('tab', { name: '订阅管理' }).waitFor()
  assert.equal(await page.getByRole('tab', { name: '设备管理' }).count(), 0)
})
