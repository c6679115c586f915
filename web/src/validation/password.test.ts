import { describe, expect, it } from 'vitest'
import { characterClasses, checkPassword } from './password'

describe('password policy', () => {
  it('counts the four character classes', () => {
    expect(characterClasses('abc')).toBe(1)
    expect(characterClasses('abcABC')).toBe(2)
    expect(characterClasses('abcABC123')).toBe(3)
    expect(characterClasses('abcABC123!')).toBe(4)
    expect(characterClasses('密码')).toBe(1)
  })

  it('accepts ten characters from three classes', () => {
    expect(checkPassword('Admin-Passw0rd!').ok).toBe(true)
    expect(checkPassword('abcdefgH12').ok).toBe(true)
    expect(checkPassword('abcdefgh1!').ok).toBe(true)
  })

  it('rejects fewer than ten characters', () => {
    const r = checkPassword('Ab1!Ab1!A')
    expect(r.tooShort).toBe(true)
    expect(r.tooFewClasses).toBe(false)
    expect(r.ok).toBe(false)
  })

  it('rejects only two classes however long', () => {
    const r = checkPassword('abcdefghijklmnop123456')
    expect(r.tooShort).toBe(false)
    expect(r.tooFewClasses).toBe(true)
    expect(r.ok).toBe(false)
  })

  it('counts characters, not UTF-16 units', () => {
    expect(checkPassword('Ab1😀😀😀😀😀').length).toBe(8)
    expect(checkPassword('Ab1😀😀😀😀😀').tooShort).toBe(true)
  })
})
