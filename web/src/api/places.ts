import { API, request } from './http'
import type { PlaceCollection } from './types'

export function listPlaces(): Promise<PlaceCollection> {
  return request('GET', `${API}/places`)
}
