import { describe, expect, it } from 'vitest'
import { isValidUsername } from './username'

describe('username rule', () => {
  it('accepts 3 to 32 of a-z 0-9 . _ -', () => {
    expect(isValidUsername('abc')).toBe(true)
    expect(isValidUsername('demo-office')).toBe(true)
    expect(isValidUsername('zhang.san_01')).toBe(true)
    expect(isValidUsername('a'.repeat(32))).toBe(true)
  })

  it('rejects short, long, upper-case and other characters', () => {
    expect(isValidUsername('ab')).toBe(false)
    expect(isValidUsername('a'.repeat(33))).toBe(false)
    expect(isValidUsername('Admin')).toBe(false)
    expect(isValidUsername('张三')).toBe(false)
    expect(isValidUsername('a b c')).toBe(false)
  })
})
