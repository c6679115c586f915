// Shared set-up for the browser tests: environment, Chromium, sign-in, screenshots.
// The tests drive a real Yuverse server; they never start one themselves.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
export const SCREENSHOT_DIR = path.join(here, 'screenshots')

/**
 * The server under test. Missing configuration is a failure, not a skip: a green run must
 * mean the screens were actually exercised.
 */
export function env() {
  const baseUrl = process.env.E2E_BASE_URL
  const adminPassword = process.env.E2E_ADMIN_PASSWORD
  const demoPassword = process.env.E2E_DEMO_PASSWORD
  assert.ok(
    baseUrl,
    'E2E_BASE_URL is not set. Start a server, e.g. `YUVERSE_ADMIN_PASSWORD=... YUVERSE_DEMO_PASSWORD=... ' +
      'yuverse serve --demo --listen 127.0.0.1:8080 --mqtt-listen off`, then run with ' +
      'E2E_BASE_URL=http://127.0.0.1:8080 E2E_ADMIN_PASSWORD=... E2E_DEMO_PASSWORD=... npm run test:e2e',
  )
  assert.ok(adminPassword, 'E2E_ADMIN_PASSWORD is not set (the password of the `admin` account).')
  assert.ok(demoPassword, 'E2E_DEMO_PASSWORD is not set (the password of the demo-* accounts).')
  return { baseUrl: baseUrl.replace(/\/+$/, ''), adminPassword, demoPassword }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      // WebGL (the twin's MapLibre map) through the software renderer: headless machines
      // have no GPU.
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** A fresh context per test: its own cookies and localStorage (so Chinese by default). */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return page
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  // Let transitions settle so the picture shows the final state.
  await page.waitForTimeout(400)
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })
}

export async function openLogin(page) {
  const { baseUrl } = env()
  await page.goto(`${baseUrl}/#/login`)
  await page.getByTestId('login-username').waitFor()
}

export async function login(page, username, password) {
  await openLogin(page)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('current-user').waitFor()
}

export async function loginAdmin(page) {
  await login(page, 'admin', env().adminPassword)
}

export async function loginDemo(page, username) {
  await login(page, username, env().demoPassword)
}

/** Clicks a side-navigation entry by its route name (see src/nav.ts). */
export async function nav(page, name) {
  await page.getByTestId(`nav-${name}`).click()
}

/** Chooses an option of an Element Plus select; the list is rendered in a popper on <body>. */
export async function chooseOption(page, selectTestId, optionText, { exact = true } = {}) {
  await page.getByTestId(selectTestId).click()
  await page.getByRole('option', { name: optionText, exact }).filter({ visible: true }).first().click()
}

/** Something unique per run, so repeated runs against one server do not collide. */
export function uniqueSuffix() {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`
}

const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'

/** A valid GB 32100-2015 code with a random body (the enterprise needs a fresh one each run). */
export function randomCreditCode() {
  let body = '91500112MA'
  while (body.length < 17) body += CREDIT_ALPHABET[Math.floor(Math.random() * 31)]
  let sum = 0
  let weight = 1
  for (const ch of body) {
    sum += CREDIT_ALPHABET.indexOf(ch) * weight
    weight = (weight * 3) % 31
  }
  return body + CREDIT_ALPHABET[(31 - (sum % 31)) % 31]
}

/** A sign-in through the API, answered as it is (the status tells whether it was accepted). */
export function apiLoginResponse(username, password) {
  return fetch(`${env().baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
}

/** Calls the API directly, for set-up that is not what the test is about. */
export async function apiLogin(username, password) {
  const { baseUrl } = env()
  const res = await apiLoginResponse(username, password)
  assert.equal(res.status, 200, `API login of ${username} answered ${res.status}`)
  const { token } = await res.json()
  return async (method, urlPath, body) => {
    const r = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await r.text()
    return { status: r.status, body: text ? JSON.parse(text) : undefined }
  }
}
