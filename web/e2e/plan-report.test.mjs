// 规划督办: the office assigns a work item to a unit, the unit acknowledges it and reports
// its progress, the office accepts the report, and the 驾驶舱 shows the accepted report and
// the task's progress — every step through the screens.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { apiLogin, chooseOption, env, launchBrowser, loginDemo, nav, newPage, screenshot, uniqueSuffix } from './helpers.mjs'

let browser
before(async () => {
  env()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

/** The demo unit's figures on the cockpit, as the API has them (to compare before and after). */
async function unitFigures(api, organisationId) {
  const r = await api('GET', '/api/v1/plan/dashboard')
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.units.find((u) => u.organisation_id === organisationId) ?? { reports_accepted: 0, reports_submitted: 0 }
}

test('a unit submits a report, the office accepts it and the cockpit shows it', async () => {
  const { demoPassword } = env()
  const title = `元宇宙交流活动 e2e ${uniqueSuffix()}`
  const officeApi = await apiLogin('demo-office', demoPassword)
  const unitApi = await apiLogin('demo-unit', demoPassword)
  const me = await unitApi('GET', '/api/v1/me')
  const unitOrg = me.body.organisation.id
  const before = await unitFigures(officeApi, unitOrg)
  const errors = []

  // The office assigns the item under T11 (加强多模式合作交流) to 仙桃数据谷公司.
  const office = await newPage(browser)
  office.on('pageerror', (e) => errors.push(String(e)))
  await loginDemo(office, 'demo-office')
  await nav(office, 'planTasks')
  await office.getByTestId('plan-task-table').getByText('加强多模式合作交流').waitFor()
  // The office moves T3's lead (工作组会议决定): a new plan version in the history.
  const versionsBefore = await office.getByTestId('plan-versions').locator('tbody tr').count()
  const lead = (await office.getByTestId('lead-T3').textContent()).trim()
  const newLead = lead === '区商务委' ? '区文化旅游委' : '区商务委'
  await office.getByTestId('change-lead-T3').click()
  await chooseOption(office, 'lead-select', newLead)
  await office.getByTestId('lead-note').fill('工作组会议决定')
  await office.getByTestId('lead-save').click()
  await office.locator('[data-testid="lead-T3"]', { hasText: newLead }).waitFor()
  await office.getByTestId('plan-versions').locator('tbody tr').nth(versionsBefore).waitFor()
  await office.getByTestId('plan-versions').getByText(`${lead} → ${newLead}`).first().waitFor()
  await screenshot(office, 'plan-tasks')
  await nav(office, 'planItems')
  await office.getByTestId('assign-open').click()
  await chooseOption(office, 'assign-task', 'T11 加强多模式合作交流')
  await office.getByTestId('assign-title').fill(title)
  await chooseOption(office, 'assign-owner', '仙桃数据谷公司')
  await chooseOption(office, 'assign-place', '仙桃数据谷')
  await office.getByTestId('assign-weight').locator('input').fill('2')
  const deadline = office.locator('.el-dialog .el-form-item', { hasText: '截止时间' }).locator('input')
  await deadline.fill(`${new Date().getFullYear() + 1}-06-30 18:00`)
  await deadline.press('Enter')
  await office.getByText('添加里程碑').click()
  const milestone = office.locator('.el-dialog .milestone-row').first().locator('input')
  await milestone.nth(0).fill('完成首场交流活动')
  await milestone.nth(1).fill(`${new Date().getFullYear() + 1}-03-31 18:00`)
  await milestone.nth(1).press('Enter')
  await office.getByTestId('assign-title').click()
  await screenshot(office, 'plan-assign')
  await office.getByTestId('assign-save').click()
  await office.getByTestId('items-table').getByText(title).waitFor()
  await screenshot(office, 'plan-items')

  // The unit acknowledges it (签收) and reports 60 %.
  const unit = await newPage(browser)
  unit.on('pageerror', (e) => errors.push(String(e)))
  await loginDemo(unit, 'demo-unit')
  await nav(unit, 'planItems')
  await unit.getByTestId('items-table').getByText(title).click()
  await unit.getByTestId('item-drawer').getByText('完成首场交流活动').waitFor()
  await unit.getByTestId('transition-acknowledged').click()
  await unit.locator('[data-testid="item-state"][data-state="acknowledged"]').waitFor()
  await unit.keyboard.press('Escape')
  await nav(unit, 'planReports')
  await unit.getByTestId(`report-item-${title}`).click()
  const dialog = unit.getByTestId('report-dialog')
  await dialog.getByTestId('report-percentage').locator('input').fill('60')
  await dialog.getByTestId('report-percentage').locator('input').press('Tab')
  await dialog.getByTestId('report-narrative').fill('已举办元宇宙产业交流活动两场，签约合作项目三个。')
  await dialog.getByTestId('report-blockers').fill('场地协调需要区级支持')
  await dialog.getByTestId('evidence-add').click()
  await dialog.getByTestId('evidence-name-0').fill('活动纪要')
  await dialog.getByTestId('evidence-url-0').fill('https://docs.example.cn/minutes/1')
  await screenshot(unit, 'plan-report-form')
  await dialog.getByTestId('report-save').click()
  const unitRow = unit.getByTestId('reports-table').locator('tr', { hasText: title })
  await unitRow.getByText('待审核').waitFor()
  await screenshot(unit, 'plan-report-submitted')

  // The office sees the submission (the bell rings) and accepts it.
  await nav(office, 'planReports')
  await office.waitForFunction(() => Number(document.querySelector('[data-testid="notification-bell"]')?.dataset.unread) > 0)
  const row = office.getByTestId('reports-table').locator('tr', { hasText: title })
  await row.getByText('待审核').waitFor()
  await screenshot(office, 'plan-review')
  await row.getByRole('button', { name: '采纳' }).click()
  await office.getByText('报告已采纳').waitFor()
  await office.getByTestId('report-state-filter').getByText('全部').click()
  await office.getByTestId('reports-table').locator('tr', { hasText: title }).getByText('已采纳').waitFor()

  // The cockpit shows the accepted report, the unit's item progress and T11's progress.
  await nav(office, 'planCockpit')
  await office.locator('[data-testid="cockpit"][data-loaded="true"]').waitFor()
  const unitLine = office.getByTestId(`cockpit-unit-${unitOrg}`)
  await unitLine.waitFor()
  assert.equal(Number(await unitLine.locator('[data-field="accepted"]').textContent()), before.reports_accepted + 1)
  assert.equal(Number(await unitLine.locator('[data-field="submitted"]').textContent()), before.reports_submitted + 1)
  const after = await officeApi('GET', '/api/v1/plan/dashboard')
  const t11 = after.body.tasks.find((t) => t.code === 'T11')
  assert.ok(t11.progress > 0, `T11 has progress: ${JSON.stringify(t11)}`)
  assert.ok(Number(await office.getByTestId('cockpit-items').textContent()) >= 1)
  await office.locator('[data-testid="cockpit-map"][data-loaded="true"]').waitFor()
  assert.ok(Number(await office.getByTestId('cockpit-map').getAttribute('data-area-count')) >= 1, 'the item\'s area is coloured')
  await office.getByTestId('cockpit-indicators').locator('[data-key="plan.progress"]').waitFor()
  // On a wall screen the whole cockpit is in view.
  await office.setViewportSize({ width: 1920, height: 1400 })
  await office.waitForTimeout(1000)
  await screenshot(office, 'plan-cockpit')
  await office.setViewportSize({ width: 1440, height: 900 })

  // The supervision report lists the month's accepted report.
  await nav(office, 'planPrint')
  await office.getByTestId('print-reports').getByText(title).waitFor()
  const month = await office.locator('.toolbar .el-date-editor input').inputValue()
  assert.equal(
    await office.getByTestId('print-xlsx').getAttribute('href'),
    `/api/v1/plan/supervision-report?period=${month}&format=xlsx`,
  )
  await screenshot(office, 'plan-print')
  // On paper only the sheet remains.
  await office.emulateMedia({ media: 'print' })
  assert.equal(await office.getByTestId('side-nav').isVisible(), false)
  assert.equal(await office.getByTestId('print-button').isVisible(), false)
  await screenshot(office, 'plan-print-paper')
  assert.deepEqual(errors, [])
})
