// The device types the district map knows: each type's main value, its unit, and the colour
// scale a marker takes from that value. The legend is drawn from the same table, so a colour
// on the map always means what the legend says.

export interface ColourStop {
  /** The value from which this colour applies (up to the next stop). */
  from: number
  colour: string
}

export interface DeviceKind {
  /** NGSI-LD entity type (short name in the core context). */
  type: string
  /** The attribute that colours the marker. */
  attribute: string
  /** Key of the unit's name under `twin.units` (i18n). */
  unit: string
  /** Shown as a percentage (values 0..1). */
  percent?: boolean
  stops: readonly ColourStop[]
}

/** Markers without a usable value. */
export const NO_VALUE_COLOUR = '#8a94a6'

const GOOD = '#2fbf71'
const FAIR = '#f2c94c'
const POOR = '#f2994a'
const BAD = '#eb5757'
const SEVERE = '#9b51e0'

export const DEVICE_KINDS: readonly DeviceKind[] = [
  {
    // GB 3095-2012 PM2.5 24-hour breakpoints.
    type: 'AirQualityObserved',
    attribute: 'pm25',
    unit: 'ugm3',
    stops: [
      { from: 0, colour: GOOD },
      { from: 35, colour: FAIR },
      { from: 75, colour: POOR },
      { from: 115, colour: BAD },
      { from: 150, colour: SEVERE },
    ],
  },
  {
    type: 'OffStreetParking',
    attribute: 'occupancy',
    unit: 'percent',
    percent: true,
    stops: [
      { from: 0, colour: GOOD },
      { from: 0.6, colour: FAIR },
      { from: 0.85, colour: POOR },
      { from: 0.95, colour: BAD },
    ],
  },
  {
    type: 'CrowdFlowObserved',
    attribute: 'peopleCount',
    unit: 'people',
    stops: [
      { from: 0, colour: GOOD },
      { from: 100, colour: FAIR },
      { from: 300, colour: POOR },
      { from: 600, colour: BAD },
    ],
  },
  {
    type: 'TrafficFlowObserved',
    attribute: 'intensity',
    unit: 'vehiclesPerHour',
    stops: [
      { from: 0, colour: GOOD },
      { from: 300, colour: FAIR },
      { from: 800, colour: POOR },
      { from: 1500, colour: BAD },
    ],
  },
  {
    // Dimming level 0..1: an unlit lamp is dark, a full one bright.
    type: 'Streetlight',
    attribute: 'illuminanceLevel',
    unit: 'percent',
    percent: true,
    stops: [
      { from: 0, colour: '#4f5b6e' },
      { from: 0.3, colour: '#b7a64a' },
      { from: 0.7, colour: '#ffe66d' },
    ],
  },
  {
    // Free charging points: none left is the alarming end.
    type: 'EVChargingStation',
    attribute: 'availableCapacity',
    unit: 'points',
    stops: [
      { from: 0, colour: BAD },
      { from: 1, colour: POOR },
      { from: 3, colour: GOOD },
    ],
  },
  {
    type: 'WeatherObserved',
    attribute: 'temperature',
    unit: 'celsius',
    stops: [
      { from: -50, colour: '#56ccf2' },
      { from: 10, colour: GOOD },
      { from: 28, colour: POOR },
      { from: 35, colour: BAD },
    ],
  },
]

export const DEVICE_TYPES: readonly string[] = DEVICE_KINDS.map((k) => k.type)

/** Entities drawn as extruded footprints rather than markers. */
export const BUILDING_TYPE = 'Building'

export function kindOf(type: string): DeviceKind | undefined {
  return DEVICE_KINDS.find((k) => k.type === type)
}

/** A number from a keyValues attribute (a plain number, or a numeric string). */
export function numericValue(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value)
  return null
}

/** The colour of the stop the value falls in; values below the first stop take the first. */
export function colourFor(kind: DeviceKind, value: number | null): string {
  if (value === null) return NO_VALUE_COLOUR
  let colour = kind.stops[0].colour
  for (const stop of kind.stops) {
    if (value >= stop.from) colour = stop.colour
  }
  return colour
}

/**
 * The value as people read it: percentages for 0..1 values, at most one decimal otherwise,
 * followed by `unit` (the unit's name in the reader's language).
 */
export function formatValue(kind: DeviceKind, value: number | null, unit: string): string {
  if (value === null) return '—'
  if (kind.percent) return `${Math.round(value * 100)}%`
  const rounded = Number.isInteger(value) ? String(value) : value.toFixed(1)
  return `${rounded} ${unit}`
}

export interface LegendEntry {
  colour: string
  /** `a – b` for a bounded band, `≥ a` for the last one. */
  label: string
}

export function legend(kind: DeviceKind): LegendEntry[] {
  const show = (v: number) => (kind.percent ? `${Math.round(v * 100)}%` : String(v))
  return kind.stops.map((stop, i) => {
    const next = kind.stops[i + 1]
    const label = next ? `${show(stop.from)} – ${show(next.from)}` : `≥ ${show(stop.from)}`
    return { colour: stop.colour, label: i === 0 && next ? `< ${show(next.from)}` : label }
  })
}
