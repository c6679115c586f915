import { API, request } from './http'
import type { ApiKey, CreatedApiKey, NewApiKey, Page } from './types'

export function listApiKeys(limit: number, offset: number): Promise<Page<ApiKey>> {
  return request('GET', `${API}/api-keys`, { query: { limit, offset } })
}

export function createApiKey(key: NewApiKey): Promise<CreatedApiKey> {
  return request('POST', `${API}/api-keys`, { body: key })
}

export function revokeApiKey(id: string): Promise<void> {
  return request('DELETE', `${API}/api-keys/${encodeURIComponent(id)}`)
}
