// The server's password policy (docs/api.md), checked early so people see it as they type.
// The server still decides; its answer is shown per field.

export const MIN_PASSWORD_LENGTH = 10
export const MIN_PASSWORD_CLASSES = 3

export interface PasswordCheck {
  length: number
  classes: number
  tooShort: boolean
  tooFewClasses: boolean
  ok: boolean
}

/** Counts lower case, upper case, digit and "other" (anything else, including CJK). */
export function characterClasses(password: string): number {
  let lower = false
  let upper = false
  let digit = false
  let other = false
  for (const ch of password) {
    if (ch >= 'a' && ch <= 'z') lower = true
    else if (ch >= 'A' && ch <= 'Z') upper = true
    else if (ch >= '0' && ch <= '9') digit = true
    else other = true
  }
  return [lower, upper, digit, other].filter(Boolean).length
}

export function checkPassword(password: string): PasswordCheck {
  // Length in characters, not UTF-16 units, so an emoji counts once.
  const length = [...password].length
  const classes = characterClasses(password)
  const tooShort = length < MIN_PASSWORD_LENGTH
  const tooFewClasses = classes < MIN_PASSWORD_CLASSES
  return { length, classes, tooShort, tooFewClasses, ok: !tooShort && !tooFewClasses }
}
