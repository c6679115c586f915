import { describe, expect, it } from 'vitest'
import { creditCodeCheckChar, isValidCreditCode } from './creditCode'

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts the example from the API documentation', () => {
    expect(isValidCreditCode('91350100M000100Y43')).toBe(true)
  })

  it('computes the check character of the example', () => {
    expect(creditCodeCheckChar('91350100M000100Y4')).toBe('3')
  })

  it('maps a remainder of zero to the check character 0', () => {
    // 17 zeros sum to 0, 31 - 0 = 31, and 31 is written as 0.
    expect(creditCodeCheckChar('00000000000000000')).toBe('0')
    expect(isValidCreditCode('000000000000000000')).toBe(true)
  })

  it('rejects a wrong check character', () => {
    expect(isValidCreditCode('91350100M000100Y44')).toBe(false)
  })

  it('rejects a changed body character', () => {
    expect(isValidCreditCode('91350100M000101Y43')).toBe(false)
  })

  it('rejects the wrong length', () => {
    expect(isValidCreditCode('91350100M000100Y4')).toBe(false)
    expect(isValidCreditCode('91350100M000100Y433')).toBe(false)
    expect(isValidCreditCode('')).toBe(false)
  })

  it('rejects characters outside the 31-character alphabet', () => {
    for (const bad of ['I', 'O', 'S', 'V', 'Z', 'a', '-']) {
      expect(isValidCreditCode(`91350100${bad}000100Y43`)).toBe(false)
      expect(creditCodeCheckChar(`91350100${bad}000100Y4`)).toBeNull()
    }
  })

  it('uses letters as check characters where the sum calls for them', () => {
    // Every one of the 31 check values is reachable by varying the last body character.
    const seen = new Set<string>()
    for (const c of '0123456789ABCDEFGHJKLMNPQRTUWXY') {
      const body = `91350100M000100Y${c}`
      const check = creditCodeCheckChar(body)!
      expect(isValidCreditCode(body + check)).toBe(true)
      seen.add(check)
    }
    expect(seen.size).toBe(31)
  })
})
