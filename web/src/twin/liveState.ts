// What the map shows, kept as plain data: the entities from the initial query, changed by the
// events of the live feed (`/api/v1/twin/live`), and turned into the GeoJSON the map sources
// take. No map library here, so the reducer is tested on its own.
import { BUILDING_TYPE, colourFor, kindOf, numericValue } from './catalogue'

export interface Geometry {
  type: string
  coordinates: unknown
}

export interface TwinEntity {
  id: string
  type: string
  /** keyValues attributes by short name, without `location`. */
  attrs: Record<string, unknown>
  location: Geometry | null
}

/** One event of the live feed. */
export interface LiveChange {
  id: string
  type: string | string[] | null
  deleted: boolean
  attrs: Record<string, unknown>
  location: Geometry | null
}

export interface TwinState {
  devices: Map<string, TwinEntity>
  buildings: Map<string, TwinEntity>
}

export type Effect = 'devices' | 'buildings' | 'alerts' | 'none'

export const ALERT_TYPE = 'Alert'

export function emptyState(): TwinState {
  return { devices: new Map(), buildings: new Map() }
}

/** The entity type the map cares about: the first known one of a multi-typed entity. */
function mainType(type: string | string[] | null | undefined): string {
  const types = Array.isArray(type) ? type : type ? [type] : []
  return types.find((t) => t === BUILDING_TYPE || t === ALERT_TYPE || kindOf(t)) ?? types[0] ?? ''
}

function isGeometry(v: unknown): v is Geometry {
  return typeof v === 'object' && v !== null && typeof (v as Geometry).type === 'string' && 'coordinates' in v
}

/** An entity of a keyValues query answer. */
export function fromKeyValues(raw: Record<string, unknown>): TwinEntity {
  const { id, type, location, ...attrs } = raw
  return {
    id: String(id),
    type: mainType(type as string | string[]),
    attrs,
    location: isGeometry(location) ? location : null,
  }
}

/** Puts an entity where it belongs: devices need a point, buildings a polygon. */
export function upsert(state: TwinState, entity: TwinEntity): Effect {
  const geometry = entity.location?.type
  if (entity.type === BUILDING_TYPE) {
    const drawn = geometry === 'Polygon' || geometry === 'MultiPolygon'
    if (drawn) state.buildings.set(entity.id, entity)
    else state.buildings.delete(entity.id)
    return 'buildings'
  }
  if (kindOf(entity.type)) {
    if (geometry === 'Point') state.devices.set(entity.id, entity)
    else state.devices.delete(entity.id)
    return 'devices'
  }
  return 'none'
}

/**
 * Applies one live event to the state (in place) and says which layer must be redrawn; alert
 * entities change nothing on the map but tell the alert panel to reload.
 */
export function applyChange(state: TwinState, change: LiveChange): Effect {
  const type = mainType(change.type)
  if (type === ALERT_TYPE) return 'alerts'
  if (change.deleted) {
    if (state.devices.delete(change.id)) return 'devices'
    if (state.buildings.delete(change.id)) return 'buildings'
    return 'none'
  }
  return upsert(state, { id: change.id, type, attrs: change.attrs ?? {}, location: change.location })
}

/** The main value of a device, or null when it has none (yet). */
export function mainValue(entity: TwinEntity): number | null {
  const kind = kindOf(entity.type)
  return kind ? numericValue(entity.attrs[kind.attribute]) : null
}

export interface FeatureCollection {
  type: 'FeatureCollection'
  features: Array<{
    type: 'Feature'
    geometry: Geometry
    properties: Record<string, string | number | null>
  }>
}

/** Device markers of the visible types, each with its value and colour. */
export function deviceFeatures(state: TwinState, visibleTypes: ReadonlySet<string>): FeatureCollection {
  const features: FeatureCollection['features'] = []
  for (const entity of state.devices.values()) {
    const kind = kindOf(entity.type)
    if (!kind || !visibleTypes.has(entity.type) || !entity.location) continue
    const value = mainValue(entity)
    features.push({
      type: 'Feature',
      geometry: entity.location,
      properties: {
        id: entity.id,
        type: entity.type,
        value,
        colour: colourFor(kind, value),
      },
    })
  }
  return { type: 'FeatureCollection', features }
}

/** Building footprints with their height in metres (10 m when unknown, so they still show). */
export function buildingFeatures(state: TwinState): FeatureCollection {
  const features: FeatureCollection['features'] = []
  for (const entity of state.buildings.values()) {
    if (!entity.location) continue
    const height = numericValue(entity.attrs.height)
    const name = entity.attrs.name
    features.push({
      type: 'Feature',
      geometry: entity.location,
      properties: {
        id: entity.id,
        height: height !== null && height > 0 ? height : 10,
        name: typeof name === 'string' ? name : entity.id,
      },
    })
  }
  return { type: 'FeatureCollection', features }
}
