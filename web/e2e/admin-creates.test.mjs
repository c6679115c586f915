// (b) The system administrator creates an organisation and a user through the dialogs and
// finds both in the tables; the dialogs check input before the server does.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  chooseOption,
  env,
  launchBrowser,
  loginAdmin,
  nav,
  newPage,
  randomCreditCode,
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

test('admin creates an organisation and a user', async () => {
  const page = await newPage(browser)
  const suffix = uniqueSuffix()
  const orgName = `渝北测试科技有限公司${suffix}`
  const username = `e2e-${suffix}`
  await loginAdmin(page)

  // Organisation: an enterprise needs a valid unified social credit code.
  await nav(page, 'organisations')
  await page.getByTestId('organisations-table').waitFor()
  await page.getByTestId('org-create').click()
  const orgDialog = page.getByTestId('organisation-dialog')
  await orgDialog.getByTestId('org-name').fill(orgName)
  await chooseOption(page, 'org-kind', '企业')
  await orgDialog.getByTestId('org-name-en').fill(`Yubei Test Technology ${suffix}`)
  await orgDialog.getByTestId('org-credit-code').fill('91350100M000100Y44')
  await orgDialog.getByTestId('org-submit').click()
  await orgDialog.getByText('统一社会信用代码无效').waitFor()
  await screenshot(page, 'b-organisation-invalid-code')
  await orgDialog.getByTestId('org-credit-code').fill(randomCreditCode())
  await orgDialog.getByTestId('org-submit').click()
  await orgDialog.waitFor({ state: 'hidden' })

  await page.getByTestId('org-search').fill(suffix)
  await page.getByTestId('org-search-submit').click()
  await page.getByTestId('organisations-table').getByText(orgName).waitFor()
  await screenshot(page, 'b-organisations')

  // User: the password policy is checked in the browser first.
  await nav(page, 'users')
  await page.getByTestId('users-table').waitFor()
  await page.getByTestId('user-create').click()
  const userDialog = page.getByTestId('user-create-dialog')
  await userDialog.getByTestId('user-username').fill(username)
  await userDialog.getByTestId('user-display-name').fill(`测试用户${suffix}`)
  await userDialog.getByTestId('user-password').fill('short')
  await chooseOption(page, 'user-role', '企业')
  // The option also names the kind, so match the organisation name as a prefix.
  await chooseOption(page, 'user-organisation', orgName, { exact: false })
  await userDialog.getByTestId('user-phone').fill('13800000000')
  await userDialog.getByTestId('user-submit').click()
  await userDialog.getByText('密码至少 10 位').waitFor()
  await userDialog.getByTestId('user-password').fill('Test-Passw0rd-E2E')
  await userDialog.getByTestId('user-submit').click()
  await userDialog.waitFor({ state: 'hidden' })

  await page.getByTestId('user-search').fill(username)
  await page.getByTestId('user-search-submit').click()
  const row = page.getByTestId('users-table').locator('tr', { hasText: username })
  await row.waitFor()
  assert.match(await row.innerText(), new RegExp(orgName))
  await screenshot(page, 'b-users')

  // Editing: a new display name and a disabled account show in the row.
  await row.getByRole('button', { name: '编辑' }).click()
  const editDialog = page.getByTestId('user-edit-dialog')
  await editDialog.getByTestId('user-edit-display-name').fill(`已改名${suffix}`)
  await editDialog.getByTestId('user-edit-disabled').click()
  await editDialog.getByTestId('user-edit-submit').click()
  await editDialog.waitFor({ state: 'hidden' })
  await row.getByText(`已改名${suffix}`).waitFor()
  await row.getByText('停用', { exact: true }).waitFor()

  // The server's own objection (a taken username) is shown in the dialog.
  await page.getByTestId('user-create').click()
  await userDialog.getByTestId('user-username').fill(username)
  await userDialog.getByTestId('user-display-name').fill('重复用户')
  await userDialog.getByTestId('user-password').fill('Test-Passw0rd-E2E')
  await chooseOption(page, 'user-role', '企业')
  await userDialog.getByTestId('user-submit').click()
  await userDialog.locator('.el-alert--error').waitFor()
  await screenshot(page, 'b-user-duplicate')
})
