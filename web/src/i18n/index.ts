import { createI18n } from 'vue-i18n'
import zh from './zh'
import en from './en'

export type AppLocale = 'zh-CN' | 'en'

// Remembered per browser; Chinese unless the user chose English.
const STORAGE_KEY = 'yuverse.locale'

function storedLocale(): AppLocale {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN'
  } catch {
    return 'zh-CN'
  }
}

export const i18n = createI18n({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
})

document.documentElement.lang = i18n.global.locale.value

export function currentLocale(): AppLocale {
  return i18n.global.locale.value as AppLocale
}

export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    // Private windows may refuse storage; the switch still works for this visit.
  }
}

export const t = i18n.global.t
