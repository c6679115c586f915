// (e) A responsible unit creates an API key, sees the secret exactly once, and revokes it.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { env, launchBrowser, loginDemo, nav, newPage, screenshot, uniqueSuffix } from './helpers.mjs'

let browser
before(async () => {
  env()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

test('demo-unit creates an API key, sees the secret once, then revokes it', async () => {
  const page = await newPage(browser)
  const name = `e2e-sensor-${uniqueSuffix()}`
  await loginDemo(page, 'demo-unit')
  await nav(page, 'apiKeys')
  await page.getByTestId('api-keys-table').waitFor()

  await page.getByTestId('api-key-create').click()
  const dialog = page.getByTestId('api-key-dialog')
  await dialog.getByTestId('api-key-name').fill(name)
  await dialog.getByText('mqtt:publish').click()
  await dialog.getByTestId('api-key-submit').click()

  const secretInput = dialog.getByTestId('api-key-secret')
  await secretInput.waitFor()
  const secret = await secretInput.inputValue()
  assert.match(secret, /^yvk_/, 'the secret key is shown')
  await dialog.getByTestId('api-key-warning').waitFor()
  await dialog.getByTestId('api-key-copy').waitFor()
  await screenshot(page, 'e-api-key-secret')

  await dialog.getByTestId('api-key-done').click()
  await dialog.waitFor({ state: 'hidden' })
  const row = page.getByTestId('api-keys-table').locator('tr.el-table__row', { hasText: name })
  await row.waitFor()
  // Once the dialog is gone the secret is nowhere on the page.
  assert.equal((await page.content()).includes(secret), false, 'the secret is not shown again')

  await page.getByTestId(`api-key-revoke-${name}`).click()
  await page.locator('.el-message-box').getByRole('button', { name: '吊销' }).click()
  await row.getByTestId('api-key-revoked').waitFor()
  assert.equal(await page.getByTestId(`api-key-revoke-${name}`).count(), 0)
  await screenshot(page, 'e-api-key-revoked')
})
