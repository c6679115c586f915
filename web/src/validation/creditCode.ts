// Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a
// 31-character alphabet (no I, O, S, V, Z), the last one a check character.

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'

/** Weight of position i (1-based) is 3^(i-1) mod 31. */
const WEIGHTS: readonly number[] = Array.from({ length: 17 }, (_, i) => {
  let w = 1
  for (let k = 0; k < i; k++) w = (w * 3) % 31
  return w
})

/** The check character for the first 17 characters, or null if they use a foreign character. */
export function creditCodeCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const v = ALPHABET.indexOf(first17[i])
    if (v < 0) return null
    sum += v * WEIGHTS[i]
  }
  const check = (31 - (sum % 31)) % 31
  return ALPHABET[check]
}

/** Upper case is the canonical form; callers normalise input before asking. */
export function isValidCreditCode(code: string): boolean {
  if (code.length !== 18) return false
  return creditCodeCheckChar(code.slice(0, 17)) === code[17]
}
