import { describe, expect, it } from 'vitest'
import { identityCheckChar, isValidIdentityNumber } from './identityNumber'

describe('resident identity number (GB 11643)', () => {
  it('accepts the examples from the standard', () => {
    expect(isValidIdentityNumber('11010519491231002X')).toBe(true)
    expect(isValidIdentityNumber('440524188001010014')).toBe(true)
  })

  it('accepts a lower-case x check character', () => {
    expect(isValidIdentityNumber('11010519491231002x')).toBe(true)
  })

  it('computes the check character', () => {
    expect(identityCheckChar('11010519491231002')).toBe('X')
    expect(identityCheckChar('44052418800101001')).toBe('4')
  })

  it('rejects a wrong check character', () => {
    expect(isValidIdentityNumber('110105194912310021')).toBe(false)
    expect(isValidIdentityNumber('440524188001010015')).toBe(false)
  })

  it('rejects the wrong length and non-digits in the body', () => {
    expect(isValidIdentityNumber('11010519491231002')).toBe(false)
    expect(isValidIdentityNumber('11010519491231002XX')).toBe(false)
    expect(isValidIdentityNumber('1101051949123100AX')).toBe(false)
    expect(identityCheckChar('1101051949123100A')).toBeNull()
  })
})
