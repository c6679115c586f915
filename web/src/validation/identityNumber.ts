// Resident identity number (居民身份证号码), GB 11643-1999: 17 digits and a check
// character computed by ISO 7064 MOD 11-2.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const
const CHECK_CHARS = '10X98765432'

export function identityCheckChar(first17: string): string | null {
  if (!/^\d{17}$/.test(first17)) return null
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]
  return CHECK_CHARS[sum % 11]
}

/** Accepts a lower-case x as the check character, as people type it that way. */
export function isValidIdentityNumber(id: string): boolean {
  const s = id.toUpperCase()
  if (s.length !== 18) return false
  return identityCheckChar(s.slice(0, 17)) === s[17]
}
