import { API, request } from './http'
import type { LoginResponse, Me, RealName } from './types'

export function login(username: string, password: string): Promise<LoginResponse> {
  return request('POST', `${API}/auth/login`, { body: { username, password }, skipAuthRedirect: true })
}

export function logout(): Promise<void> {
  return request('POST', `${API}/auth/logout`, { skipAuthRedirect: true })
}

/** The start-up probe: a 401 here just means "not signed in yet". */
export function fetchMe(): Promise<Me> {
  return request('GET', `${API}/me`, { skipAuthRedirect: true })
}

export function verifyRealName(name: string, idNumber: string): Promise<RealName> {
  return request('POST', `${API}/me/real-name`, { body: { name, id_number: idNumber } })
}

/** Changes the signed-in person's own password; the server checks the current one. */
export function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  return request('POST', `${API}/me/password`, {
    body: { current_password: currentPassword, new_password: newPassword },
  })
}
