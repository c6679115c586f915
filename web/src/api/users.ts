import { API, request } from './http'
import type { NewUser, Page, Role, User, UserPatch } from './types'

export interface UserFilter {
  q?: string
  role?: Role | ''
  organisation_id?: string
}

export function listUsers(filter: UserFilter, limit: number, offset: number): Promise<Page<User>> {
  return request('GET', `${API}/users`, { query: { ...filter, limit, offset } })
}

export function createUser(user: NewUser): Promise<User> {
  return request('POST', `${API}/users`, { body: user })
}

export function updateUser(id: string, patch: UserPatch): Promise<User> {
  return request('PATCH', `${API}/users/${encodeURIComponent(id)}`, { body: patch })
}

export function unlockUser(id: string): Promise<User> {
  return request('POST', `${API}/users/${encodeURIComponent(id)}/unlock`)
}
