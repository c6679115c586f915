// A citizen verifies their real name: the identity number is checked in the browser first and
// the page shows only the masked result the server returns.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { env, launchBrowser, loginDemo, nav, newPage, screenshot } from './helpers.mjs'

let browser
before(async () => {
  env()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

test('a citizen verifies their real name and sees it masked', async () => {
  const page = await newPage(browser)
  await loginDemo(page, 'demo-citizen')
  await nav(page, 'realName')

  await page.getByTestId('real-name-name').fill('张三')
  // The standard's example with a wrong check digit is refused before it is sent.
  await page.getByTestId('real-name-id').fill('110105194912310021')
  await page.getByTestId('real-name-submit').click()
  await page.getByText('身份证号码无效').waitFor()

  await page.getByTestId('real-name-id').fill('11010519491231002X')
  await page.getByTestId('real-name-submit').click()
  const masked = page.getByTestId('real-name-masked')
  await masked.waitFor()
  assert.equal((await masked.innerText()).trim(), '1101**********002X')
  assert.equal((await page.content()).includes('11010519491231002X'), false, 'the full number is gone')
  await screenshot(page, 'f-real-name')
})
