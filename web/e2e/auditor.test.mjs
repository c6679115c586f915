// (c) The security auditor reads what the administrator did, and has no user management.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  apiLogin,
  chooseOption,
  env,
  launchBrowser,
  loginDemo,
  nav,
  newPage,
  screenshot,
  uniqueSuffix,
} from './helpers.mjs'

let browser
before(async () => {
  env()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

test('the auditor sees the admin actions and not the users page', async () => {
  // Set-up through the API: an administrator action to look for.
  const admin = await apiLogin('admin', env().adminPassword)
  const orgName = `审计测试单位${uniqueSuffix()}`
  const created = await admin('POST', '/api/v1/organisations', { name: orgName, kind: 'institution' })
  assert.equal(created.status, 201, JSON.stringify(created.body))

  const page = await newPage(browser)
  await loginDemo(page, 'demo-auditor')
  const sideNav = page.getByTestId('side-nav')
  await sideNav.getByText('审计日志', { exact: true }).waitFor()
  assert.equal(await sideNav.getByText('用户管理', { exact: true }).count(), 0, 'no 用户管理 for the auditor')
  assert.equal(await page.getByTestId('nav-users').count(), 0)

  await nav(page, 'audit')
  const table = page.getByTestId('audit-table')
  await table.waitFor()
  await chooseOption(page, 'audit-action', 'organisation.create')
  await page.getByTestId('audit-search').click()
  const row = table.locator('tr.el-table__row', { hasText: 'organisation.create' }).filter({ hasText: 'admin' }).first()
  await row.waitFor()
  await screenshot(page, 'c-audit')

  // The expanded row shows the hash chain.
  await row.locator('.el-table__expand-icon').click()
  await table.getByText('前一条哈希').first().waitFor()
  await screenshot(page, 'c-audit-expanded')

  // A typed-in URL to the users page is refused too.
  await page.goto(`${env().baseUrl}/#/governance/users`)
  await page.getByTestId('welcome-card').waitFor()
  assert.equal(await page.getByTestId('users-table').count(), 0)
})
