// The digital twin: NGSI-LD queries and history (`/ngsi-ld/v1`, the session cookie signs the
// calls), subscriptions, context source registrations, device provisioning and alerts
// (`/api/v1/twin`).
import { API, request } from './http'
import type { Page } from './types'

const NGSI = '/ngsi-ld/v1'
/** The broker's largest page. */
const NGSI_PAGE = 1000

/** Every entity of these types in keyValues form, read page by page. */
export async function queryEntities(types: readonly string[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = []
  for (let offset = 0; ; offset += NGSI_PAGE) {
    const page = await request<Record<string, unknown>[]>('GET', `${NGSI}/entities`, {
      query: { type: types.join(','), options: 'keyValues', limit: NGSI_PAGE, offset },
    })
    out.push(...page)
    if (page.length < NGSI_PAGE) return out
  }
}

/** One entity in keyValues form. */
export function getEntity(id: string): Promise<Record<string, unknown>> {
  return request('GET', `${NGSI}/entities/${encodeURIComponent(id)}`, { query: { options: 'keyValues' } })
}

/** `[value, time]` pairs of one attribute, oldest first. */
export type TemporalValues = Array<[unknown, string | null]>

/** The last `lastN` values of an attribute, timed by when the broker stored them. */
export async function attributeHistory(id: string, attr: string, lastN: number): Promise<TemporalValues> {
  const body = await request<Record<string, unknown>>('GET', `${NGSI}/temporal/entities/${encodeURIComponent(id)}`, {
    query: { attrs: attr, lastN, options: 'temporalValues', timeproperty: 'modifiedAt' },
  })
  const attribute = body[attr] as { values?: TemporalValues } | undefined
  return attribute?.values ?? []
}

export interface Subscription {
  id: string
  type: 'Subscription'
  description?: string
  entities?: Array<{ type?: string; id?: string; idPattern?: string }>
  watchedAttributes?: string[]
  q?: string
  isActive?: boolean
  status?: string
  notification: {
    endpoint: { uri: string; accept?: string }
    status?: string
    timesSent?: number
    lastNotification?: string
    lastFailure?: string
  }
}

export interface NewSubscription {
  type: 'Subscription'
  description?: string
  entities: Array<{ type: string }>
  watchedAttributes?: string[]
  q?: string
  notification: { endpoint: { uri: string; accept: string } }
}

export function listSubscriptions(): Promise<Subscription[]> {
  return request('GET', `${NGSI}/subscriptions`, { query: { limit: NGSI_PAGE } })
}

export function createSubscription(subscription: NewSubscription): Promise<void> {
  return request('POST', `${NGSI}/subscriptions`, { body: subscription })
}

export function deleteSubscription(id: string): Promise<void> {
  return request('DELETE', `${NGSI}/subscriptions/${encodeURIComponent(id)}`)
}

/** A context source registration (数据源登记): what another NGSI-LD broker can provide. */
export interface Registration {
  id: string
  type: 'ContextSourceRegistration'
  registrationName?: string
  information: Array<{
    entities?: Array<{ type: string; id?: string; idPattern?: string }>
    propertyNames?: string[]
    relationshipNames?: string[]
  }>
  endpoint: string
  mode?: string
}

export interface NewRegistration {
  type: 'ContextSourceRegistration'
  registrationName?: string
  information: Array<{ entities: Array<{ type: string }>; propertyNames?: string[] }>
  endpoint: string
  mode: string
}

export function listRegistrations(): Promise<Registration[]> {
  return request('GET', `${NGSI}/csourceRegistrations`, { query: { limit: NGSI_PAGE } })
}

export function createRegistration(registration: NewRegistration): Promise<void> {
  return request('POST', `${NGSI}/csourceRegistrations`, { body: registration })
}

export function deleteRegistration(id: string): Promise<void> {
  return request('DELETE', `${NGSI}/csourceRegistrations/${encodeURIComponent(id)}`)
}

export interface AttributeMapping {
  object_id: string
  name: string
  type?: string
  unit_code?: string
}

export interface Device {
  device_id: string
  organisation_id: string
  api_key_id: string
  tenant: string
  entity_name: string
  entity_type: string
  attributes: AttributeMapping[]
  explicit_attrs: boolean
  created_at: string
  created_by: string
  topics: { attrs: string; cmd: string; cmdexe: string }
  status: {
    messages_received: number
    errors: number
    last_error: string | null
    last_error_at: string | null
    last_seen_at: string | null
  }
}

export interface NewDevice {
  device_id: string
  entity_name: string
  entity_type: string
  api_key_id: string
  attributes: AttributeMapping[]
}

export function listDevices(limit: number, offset: number): Promise<Page<Device>> {
  return request('GET', `${API}/twin/devices`, { query: { limit, offset } })
}

export function createDevice(device: NewDevice): Promise<Device> {
  return request('POST', `${API}/twin/devices`, { body: device })
}

export function deleteDevice(id: string): Promise<void> {
  return request('DELETE', `${API}/twin/devices/${encodeURIComponent(id)}`)
}

export type AlertState = 'open' | 'acknowledged' | 'closed'
export type AlertSeverity = 'info' | 'warning' | 'critical'

export interface Alert {
  id: string
  ruleId: string
  ruleName: string
  severity: AlertSeverity
  entityId: string
  entityType: string
  message: string
  values: Record<string, unknown> | null
  location: { type: string; coordinates: unknown } | null
  state: AlertState
  raisedAt: string
  acknowledgedAt: string | null
  acknowledgedBy: string | null
  closedAt: string | null
  closedBy: string | null
  closeReason: string | null
}

export function listAlerts(state: AlertState, limit: number, offset: number): Promise<Page<Alert>> {
  return request('GET', `${API}/twin/alerts`, { query: { state, limit, offset } })
}

export function acknowledgeAlert(id: string): Promise<Alert> {
  return request('POST', `${API}/twin/alerts/${encodeURIComponent(id)}/acknowledge`)
}

export function closeAlert(id: string, reason?: string): Promise<Alert> {
  return request('POST', `${API}/twin/alerts/${encodeURIComponent(id)}/close`, { body: reason ? { reason } : {} })
}

/** The live feed's address for these entity types (an EventSource carries the cookie). */
export function liveFeedUrl(types: readonly string[]): string {
  return `${API}/twin/live?type=${encodeURIComponent(types.join(','))}`
}
