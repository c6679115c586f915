// Who is signed in. `Me.permissions` from the server is the only source of truth for what
// the UI shows; the role is for display.
import { reactive, readonly } from 'vue'
import { fetchMe } from './api/auth'
import { ApiError } from './api/problem'
import type { Me, RealName } from './api/types'

interface SessionState {
  me: Me | null
  /** True once the start-up probe has answered, signed in or not. */
  probed: boolean
}

const state = reactive<SessionState>({ me: null, probed: false })

export const session = readonly(state)

export function setMe(me: Me): void {
  state.me = me
  state.probed = true
}

export function clearSession(): void {
  state.me = null
  state.probed = true
}

export function setRealName(realName: RealName): void {
  if (state.me) state.me.real_name = realName
}

/** Asks the server once whether the cookie still holds a session. */
export async function probeSession(): Promise<Me | null> {
  if (state.probed) return state.me
  try {
    setMe(await fetchMe())
  } catch (e) {
    // Only "not signed in" is an answer; anything else (server down) is shown on login.
    if (!(e instanceof ApiError) || e.status !== 401) console.warn('session probe failed', e)
    clearSession()
  }
  return state.me
}

export function can(permission: string): boolean {
  return state.me?.permissions.includes(permission) ?? false
}

export function canAny(permissions: readonly string[]): boolean {
  return permissions.length === 0 || permissions.some(can)
}
