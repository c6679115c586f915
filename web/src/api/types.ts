// Wire types, exactly as docs/api.md describes them. Times are RFC 3339 UTC strings.

export type Role =
  | 'office'
  | 'unit'
  | 'enterprise'
  | 'regulator'
  | 'citizen'
  | 'system_admin'
  | 'security_admin'
  | 'auditor'

export const ROLES: readonly Role[] = [
  'office',
  'unit',
  'enterprise',
  'regulator',
  'citizen',
  'system_admin',
  'security_admin',
  'auditor',
]

export type OrganisationKind =
  | 'government_unit'
  | 'park_company'
  | 'enterprise'
  | 'institution'
  | 'financial_institution'

export const ORGANISATION_KINDS: readonly OrganisationKind[] = [
  'government_unit',
  'park_company',
  'enterprise',
  'institution',
  'financial_institution',
]

export type ApiKeyPermission = 'twin:read' | 'twin:write' | 'mqtt:publish'
export const API_KEY_PERMISSIONS: readonly ApiKeyPermission[] = ['twin:read', 'twin:write', 'mqtt:publish']

export interface Page<T> {
  items: T[]
  total: number
  limit: number
  offset: number
}

export interface RealName {
  name: string
  id_number_masked: string
  verified_at: string
}

export interface OrganisationRef {
  id: string
  name: string
  kind: OrganisationKind
}

export interface Me {
  id: string
  username: string
  display_name: string
  phone: string | null
  email: string | null
  role: Role
  permissions: string[]
  organisation: OrganisationRef | null
  real_name: RealName | null
}

export interface LoginResponse {
  token: string
  expires_in_secs: number
  user: Me
}

export interface User {
  id: string
  username: string
  display_name: string
  phone: string | null
  email: string | null
  role: Role
  organisation_id: string | null
  disabled: boolean
  locked_until: string | null
  created_at: string
  real_name_verified: boolean
}

export interface NewUser {
  username: string
  display_name: string
  password: string
  role: Role
  organisation_id?: string
  phone?: string
  email?: string
}

/** Absent means unchanged; an empty phone or email clears it. */
export interface UserPatch {
  display_name?: string
  phone?: string
  email?: string
  role?: Role
  organisation_id?: string
  disabled?: boolean
}

export interface Organisation {
  id: string
  code: string | null
  name: string
  name_en: string | null
  kind: OrganisationKind
  credit_code: string | null
  created_at: string
}

export interface NewOrganisation {
  name: string
  kind: OrganisationKind
  code?: string
  name_en?: string
  credit_code?: string
}

/** Absent means unchanged; an empty English name or credit code clears it. */
export interface OrganisationPatch {
  name?: string
  name_en?: string
  credit_code?: string
}

export interface ApiKey {
  id: string
  name: string
  prefix: string
  organisation_id: string
  permissions: string[]
  created_at: string
  created_by: string
  revoked_at: string | null
  last_used_at: string | null
}

export interface CreatedApiKey extends ApiKey {
  /** The secret, shown this once only. */
  key: string
}

export interface NewApiKey {
  name: string
  organisation_id: string
  permissions: ApiKeyPermission[]
}

export type AuditOutcome = 'success' | 'denied' | 'failure'

export interface AuditEntry {
  seq: number
  at: string
  actor_user: string | null
  actor_role: string | null
  actor_org: string | null
  action: string
  target: string | null
  ip: string | null
  outcome: AuditOutcome
  detail: unknown
  prev_hash: string
  hash: string
}

export interface PlaceProperties {
  id: string
  code: string
  name: string
  name_en: string | null
  kind: string
  parent: string | null
  clusters: string[]
  scenario_domains: string[]
}

export interface PlaceFeature {
  type: 'Feature'
  geometry: unknown
  properties: PlaceProperties
}

export interface PlaceCollection {
  type: 'FeatureCollection'
  features: PlaceFeature[]
}
