// (a) The UI loads, a wrong password shows the server's explanation, and the administrator
// signs in to the layout with the modules (规划督办 is for the plan's roles, not for him).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { env, launchBrowser, loginAdmin, newPage, openLogin, screenshot } from './helpers.mjs'

const MODULES = ['工作台', '数字孪生', '产业服务', '虚拟空间', '数字藏品', '平台治理']

let browser
before(async () => {
  env()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

test('the UI loads and admin signs in to the full layout', async () => {
  const page = await newPage(browser)
  await openLogin(page)
  assert.equal(await page.title(), '渝北元宇宙先导试验区 · Yuverse')
  await page.getByText('用户登录').waitFor()

  // A wrong password shows the problem detail from the server.
  await page.getByTestId('login-username').fill('admin')
  await page.getByTestId('login-password').fill('not-the-password-1A!')
  await page.getByTestId('login-submit').click()
  const error = page.getByTestId('login-error')
  await error.waitFor()
  assert.ok((await error.innerText()).trim().length > 0, 'the login error has text')
  await screenshot(page, 'a-login-error')

  await loginAdmin(page)
  const nav = page.getByTestId('side-nav')
  for (const name of MODULES) {
    await nav.getByText(name, { exact: true }).first().waitFor()
  }
  await nav.getByText('用户管理', { exact: true }).waitFor()
  await nav.getByText('组织机构', { exact: true }).waitFor()
  assert.equal(await nav.getByText('规划督办', { exact: true }).count(), 0, 'the administrator does not supervise the plan')
  assert.match(await page.getByTestId('current-role').innerText(), /系统管理员/)

  // The workbench summarises the district data set.
  await page.getByTestId('welcome-card').waitFor()
  await page.getByTestId('stat-organisations').waitFor()
  await page.getByTestId('places-table').waitFor()
  await screenshot(page, 'a-workbench')

  // A module without a server side yet says what it will do.
  await page.getByTestId('nav-industry').click()
  await page.getByTestId('module-industry').getByText('揭榜挂帅').waitFor()
  await screenshot(page, 'a-module-industry')

  // Signing out returns to the login page.
  await page.getByTestId('logout').click()
  await page.getByTestId('login-username').waitFor()
})
