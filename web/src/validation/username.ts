/** Usernames: 3–32 of a-z, 0-9, dot, underscore, hyphen (docs/api.md). */
export const USERNAME_PATTERN = /^[a-z0-9._-]{3,32}$/

export function isValidUsername(name: string): boolean {
  return USERNAME_PATTERN.test(name)
}
