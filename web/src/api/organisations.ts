import { API, request } from './http'
import type { NewOrganisation, Organisation, OrganisationKind, OrganisationPatch, Page } from './types'

export interface OrganisationFilter {
  q?: string
  kind?: OrganisationKind | ''
}

export function listOrganisations(
  filter: OrganisationFilter,
  limit: number,
  offset: number,
): Promise<Page<Organisation>> {
  return request('GET', `${API}/organisations`, { query: { ...filter, limit, offset } })
}

export function createOrganisation(org: NewOrganisation): Promise<Organisation> {
  return request('POST', `${API}/organisations`, { body: org })
}

export function updateOrganisation(id: string, patch: OrganisationPatch): Promise<Organisation> {
  return request('PATCH', `${API}/organisations/${encodeURIComponent(id)}`, { body: patch })
}
