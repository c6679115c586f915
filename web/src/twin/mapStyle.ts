// The district map's style: a plain background (no tiles, no glyphs: the platform runs on
// closed networks), the district's places, extruded buildings and device markers. Labels are
// HTML markers placed by the view, since text layers would need a glyph server.
import type { FeatureCollection } from 'geojson'
import type { StyleSpecification } from 'maplibre-gl'

export const PLACES = 'places'
export const BUILDINGS = 'buildings'
export const DEVICES = 'devices'

const empty = (): FeatureCollection => ({ type: 'FeatureCollection', features: [] })

/** Fill colour per place kind (core zone, area, park, scenario site). */
const PLACE_COLOUR = [
  'match',
  ['get', 'kind'],
  'core', '#3d8bfd',
  'area', '#2d9cdb',
  'park', '#27ae60',
  'scenario_site', '#f2994a',
  '#7f8c9d',
] as const

/** Layers each switch shows or hides. */
export const LAYER_GROUPS: Record<string, readonly string[]> = {
  [PLACES]: ['places-fill', 'places-outline', 'places-point'],
  [BUILDINGS]: ['buildings'],
}

export function districtStyle(): StyleSpecification {
  return {
    version: 8,
    sources: {
      [PLACES]: { type: 'geojson', data: empty() },
      [BUILDINGS]: { type: 'geojson', data: empty(), promoteId: 'id' },
      [DEVICES]: { type: 'geojson', data: empty(), promoteId: 'id' },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#0a1628' } },
      {
        id: 'places-fill',
        type: 'fill',
        source: PLACES,
        filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'fill-color': PLACE_COLOUR as never, 'fill-opacity': ['match', ['get', 'kind'], 'area', 0.1, 0.22] },
      },
      {
        id: 'places-outline',
        type: 'line',
        source: PLACES,
        filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'line-color': PLACE_COLOUR as never, 'line-width': 1.5, 'line-opacity': 0.9 },
      },
      {
        id: 'places-point',
        type: 'circle',
        source: PLACES,
        filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-radius': 5, 'circle-color': PLACE_COLOUR as never, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 },
      },
      {
        id: 'buildings',
        type: 'fill-extrusion',
        source: BUILDINGS,
        paint: {
          'fill-extrusion-color': ['interpolate', ['linear'], ['get', 'height'], 0, '#4fc3f7', 100, '#9be7ff', 300, '#e8f7ff'],
          'fill-extrusion-height': ['get', 'height'],
          'fill-extrusion-opacity': 0.9,
        },
      },
      {
        id: 'devices-halo',
        type: 'circle',
        source: DEVICES,
        paint: { 'circle-radius': 12, 'circle-color': ['get', 'colour'], 'circle-opacity': 0.25, 'circle-pitch-alignment': 'map' },
      },
      {
        id: 'devices',
        type: 'circle',
        source: DEVICES,
        paint: {
          'circle-radius': 6,
          'circle-color': ['get', 'colour'],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1,
        },
      },
      {
        id: 'devices-selected',
        type: 'circle',
        source: DEVICES,
        filter: ['==', ['get', 'id'], ''],
        paint: { 'circle-radius': 11, 'circle-opacity': 0, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 },
      },
    ],
  }
}

type Position = [number, number]

/** Where a place's label goes: its point, or the mean of its outer ring's corners. */
export function labelPoint(geometry: { type: string; coordinates: unknown }): Position | null {
  if (geometry.type === 'Point') return geometry.coordinates as Position
  if (geometry.type !== 'Polygon') return null
  const ring = (geometry.coordinates as Position[][])[0] ?? []
  const corners = ring.length > 1 ? ring.slice(0, -1) : ring
  if (corners.length === 0) return null
  const sum = corners.reduce<Position>((acc, [x, y]) => [acc[0] + x, acc[1] + y], [0, 0])
  return [sum[0] / corners.length, sum[1] / corners.length]
}

/** The bounding box of every coordinate in some geometries, or null when there are none. */
export function bounds(geometries: Array<{ coordinates: unknown }>): [Position, Position] | null {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      minX = Math.min(minX, c[0])
      maxX = Math.max(maxX, c[0])
      minY = Math.min(minY, c[1] as number)
      maxY = Math.max(maxY, c[1] as number)
    } else if (Array.isArray(c)) c.forEach(visit)
  }
  geometries.forEach((g) => visit(g.coordinates))
  return Number.isFinite(minX) ? [[minX, minY], [maxX, maxY]] : null
}
