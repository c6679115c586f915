// A signed-in person changes their own password from the header: the dialog refuses a wrong
// current password and a mistyped repeat, and after the change only the new password signs in.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { apiLogin, apiLoginResponse, env, launchBrowser, login, newPage, screenshot, uniqueSuffix } from './helpers.mjs'

let browser
before(async () => {
  env()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

const FIRST = 'First-Passw0rd!'
const SECOND = 'Second-Passw0rd!'

async function loginStatus(username, password) {
  return (await apiLoginResponse(username, password)).status
}

test('a user changes their own password', async () => {
  // A user of this test's own, so that no other test's sign-in depends on it.
  const admin = await apiLogin('admin', env().adminPassword)
  const username = `pw-${uniqueSuffix()}`
  const created = await admin('POST', '/api/v1/users', {
    username,
    display_name: '改密测试用户',
    password: FIRST,
    role: 'citizen',
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))

  const page = await newPage(browser)
  await login(page, username, FIRST)
  await page.getByTestId('change-password').click()
  const dialog = page.getByTestId('password-dialog')
  await dialog.waitFor()

  // A repeat that differs is refused before anything is sent.
  await page.getByTestId('password-current').fill(FIRST)
  await page.getByTestId('password-new').fill(SECOND)
  await page.getByTestId('password-confirm').fill('Something-else1!')
  await page.getByTestId('password-submit').click()
  await dialog.getByText('两次输入的新密码不一致').waitFor()

  // A wrong current password is refused by the server, said in Chinese under its field.
  await page.getByTestId('password-current').fill('Not-my-passw0rd!')
  await page.getByTestId('password-confirm').fill(SECOND)
  await page.getByTestId('password-submit').click()
  await dialog.locator('.el-form-item__error', { hasText: '当前密码不正确' }).waitFor()
  await screenshot(page, 'g-change-password-refused')
  assert.equal(await loginStatus(username, SECOND), 401, 'nothing changed yet')

  await page.getByTestId('password-current').fill(FIRST)
  await page.getByTestId('password-submit').click()
  await page.getByText('密码已修改').waitFor()
  await dialog.waitFor({ state: 'hidden' })

  assert.equal(await loginStatus(username, FIRST), 401, 'the old password no longer signs in')
  await page.getByTestId('logout').click()
  await login(page, username, SECOND)
  assert.equal((await page.getByTestId('current-user').innerText()).trim(), '改密测试用户')
})
