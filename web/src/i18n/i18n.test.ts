import { describe, expect, it } from 'vitest'
import zh from './zh'
import en from './en'

/** Every leaf key as a dotted path, e.g. `nav.users`. */
function leafKeys(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key
    return typeof value === 'object' && value !== null
      ? leafKeys(value as Record<string, unknown>, path)
      : [path]
  })
}

function leafValues(obj: Record<string, unknown>): string[] {
  return Object.values(obj).flatMap((v) =>
    typeof v === 'object' && v !== null ? leafValues(v as Record<string, unknown>) : [String(v)],
  )
}

/** Named placeholders such as `{name}`, which both languages must use alike. */
function placeholders(msg: string): string[] {
  return [...msg.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
}

function lookup(obj: Record<string, unknown>, path: string): string {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], obj) as string
}

describe('i18n messages', () => {
  const zhKeys = leafKeys(zh)
  const enKeys = leafKeys(en)

  it('has an English message for every Chinese key', () => {
    expect(zhKeys.filter((k) => !enKeys.includes(k))).toEqual([])
  })

  it('has a Chinese message for every English key', () => {
    expect(enKeys.filter((k) => !zhKeys.includes(k))).toEqual([])
  })

  it('has no empty messages', () => {
    expect([...leafValues(zh), ...leafValues(en)].filter((v) => v.trim() === '')).toEqual([])
  })

  it('uses the same placeholders in both languages', () => {
    for (const key of zhKeys) {
      expect(placeholders(lookup(en, key)), key).toEqual(placeholders(lookup(zh, key)))
    }
  })

  it('avoids vue-i18n syntax characters that would break a message', () => {
    // @ starts a linked message and | separates plural forms.
    const bad = [...leafValues(zh), ...leafValues(en)].filter((v) => /[@|$]/.test(v))
    expect(bad).toEqual([])
  })
})
