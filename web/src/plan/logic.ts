// The plan screens' pure logic: traffic-light colours, percentages, which workflow step a
// user may take next, report periods, and the district map's area-progress join.
import type { AreaFigures, Indicator, ItemState, Light, Snapshot } from '../api/plan'
import type { PlaceCollection } from '../api/types'

export const LIGHTS: readonly Light[] = ['green', 'yellow', 'red']

/** Colours of the three lights, the same on tags, charts and the map. */
export const LIGHT_COLOURS: Record<Light, string> = {
  green: '#27ae60',
  yellow: '#e6a23c',
  red: '#eb5757',
}

/** The Element Plus tag type that shows a light. */
export function lightTagType(light: Light): 'success' | 'warning' | 'danger' {
  return light === 'green' ? 'success' : light === 'yellow' ? 'warning' : 'danger'
}

/** "85%", "17.94%", or an em dash while there is nothing to measure. */
export function formatPercent(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return `${Number(value.toFixed(digits))}%`
}

/** A plain number with at most two decimals, or an em dash. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return String(Number(value.toFixed(2)))
}

const RAMP: ReadonlyArray<[number, [number, number, number]]> = [
  [0, [235, 87, 87]],
  [50, [242, 201, 76]],
  [100, [39, 174, 96]],
]

/** Progress 0–100 as a colour from red through yellow to green (the map's area fill). */
export function progressColour(progress: number): string {
  const p = Math.min(100, Math.max(0, progress))
  let i = 1
  while (i < RAMP.length - 1 && p > RAMP[i][0]) i++
  const [p0, c0] = RAMP[i - 1]
  const [p1, c1] = RAMP[i]
  const f = (p - p0) / (p1 - p0)
  const hex = c0.map((c, k) => Math.round(c + (c1[k] - c) * f).toString(16).padStart(2, '0'))
  return `#${hex.join('')}`
}

/** Colour of a place with no supervised items. */
export const NO_ITEMS_COLOUR = '#5b6b80'

export interface AreaProperties {
  code: string
  name: string
  name_en: string | null
  kind: string
  items: number
  /** Null when no item is tied to the place. */
  progress: number | null
  colour: string
}

export interface AreaFeature {
  type: 'Feature'
  geometry: unknown
  properties: AreaProperties
}

export interface AreaCollection {
  type: 'FeatureCollection'
  features: AreaFeature[]
}

/**
 * Joins the cockpit's progress by area with the places' geometry: every place keeps its
 * shape; those with items carry their progress and its colour, the rest (no figures, or
 * figures of no items) are grey. Figures for a code that is not among the places cannot be
 * drawn and are left out.
 */
export function areaProgress(places: PlaceCollection, areas: readonly AreaFigures[]): AreaCollection {
  const byCode = new Map(areas.filter((a) => a.items > 0).map((a) => [a.place_code, a]))
  return {
    type: 'FeatureCollection',
    features: places.features.map((f) => {
      const figures = byCode.get(f.properties.code)
      const progress = figures ? figures.progress : null
      return {
        type: 'Feature',
        geometry: f.geometry,
        properties: {
          code: f.properties.code,
          name: f.properties.name,
          name_en: f.properties.name_en,
          kind: f.properties.kind,
          items: figures?.items ?? 0,
          progress,
          colour: progress === null ? NO_ITEMS_COLOUR : progressColour(progress),
        },
      }
    }),
  }
}

/**
 * The next step of an item's workflow this user may take, if any: the owner unit 签收 and
 * 办理 (`plan:report`, own items only), the office 办结 (`plan:manage`).
 */
export function nextTransition(
  state: ItemState,
  permissions: readonly string[],
  ownItem: boolean,
): ItemState | null {
  const unit = permissions.includes('plan:report') && ownItem
  if (state === 'assigned' && unit) return 'acknowledged'
  if (state === 'acknowledged' && unit) return 'in_progress'
  if (state === 'in_progress' && permissions.includes('plan:manage')) return 'done'
  return null
}

/** The month a report is for by default: `YYYY-MM` of `date` (local time). */
export function currentPeriod(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`
}

/** `YYYY-MM` or `YYYY-Qn`, as the server accepts. */
export function isPeriod(text: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/.test(text)
}

/** Whether a report's period falls in a month (`YYYY-MM`): the month itself or its quarter. */
export function periodCovers(period: string, month: string): boolean {
  if (period === month) return true
  const [year, m] = month.split('-')
  return period === `${year}-Q${Math.ceil(Number(m) / 3)}`
}

/** The indicator's name in the language shown, falling back to its key. */
export function indicatorName(indicator: Indicator, locale: string): string {
  const name = locale === 'en' ? (indicator.name_en ?? indicator.name_zh) : (indicator.name_zh ?? indicator.name_en)
  return name ?? indicator.key
}

/** Snapshots grouped per indicator, months in order: the trend chart's series. */
export function trendSeries(snapshots: readonly Snapshot[]): { months: string[]; series: Map<string, Array<number | null>> } {
  const months = [...new Set(snapshots.map((s) => s.month))].sort()
  const series = new Map<string, Array<number | null>>()
  for (const s of snapshots) {
    if (!series.has(s.indicator)) series.set(s.indicator, months.map(() => null))
    series.get(s.indicator)![months.indexOf(s.month)] = s.value
  }
  return { months, series }
}
