// (d) The language switch turns the screens to English and the choice survives a reload.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { env, launchBrowser, loginDemo, newPage, screenshot } from './helpers.mjs'

const ENGLISH_MODULES = [
  'Workbench',
  'Digital twin',
  'Industry services',
  'Virtual spaces',
  'Digital collectibles',
  'Plan supervision',
  'Governance',
]

let browser
before(async () => {
  env()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

test('the language switch turns the navigation to English', async () => {
  const page = await newPage(browser)
  await loginDemo(page, 'demo-office')
  const nav = page.getByTestId('side-nav')
  await nav.getByText('工作台', { exact: true }).waitFor()

  await page.getByTestId('lang-en').click()
  for (const name of ENGLISH_MODULES) {
    await nav.getByText(name, { exact: true }).first().waitFor()
  }
  assert.equal(await nav.getByText('工作台', { exact: true }).count(), 0)
  assert.match(await page.getByTestId('current-role').innerText(), /Working group office/)
  await screenshot(page, 'd-english')

  // Remembered in localStorage.
  await page.reload()
  await nav.getByText('Workbench', { exact: true }).waitFor()
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en')

  await page.getByTestId('lang-zh').click()
  await nav.getByText('工作台', { exact: true }).waitFor()
})
