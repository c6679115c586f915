import { API, request } from './http'
import type { AuditEntry, AuditOutcome, Page } from './types'

export interface AuditFilter {
  actor?: string
  action?: string
  target?: string
  outcome?: AuditOutcome | ''
  /** RFC 3339 */
  from?: string
  /** RFC 3339 */
  to?: string
}

export function listAudit(filter: AuditFilter, limit: number, offset: number): Promise<Page<AuditEntry>> {
  return request('GET', `${API}/audit`, { query: { ...filter, limit, offset } })
}
