import { describe, expect, it } from 'vitest'
import type { AreaFigures, Indicator } from '../api/plan'
import type { PlaceCollection } from '../api/types'
import {
  NO_ITEMS_COLOUR,
  areaProgress,
  currentPeriod,
  formatPercent,
  indicatorName,
  isPeriod,
  lightTagType,
  nextTransition,
  periodCovers,
  progressColour,
  trendSeries,
} from './logic'

const place = (code: string, kind = 'area') => ({
  type: 'Feature' as const,
  geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] },
  properties: { id: code, code, name: `名称${code}`, name_en: null, kind, parent: null, clusters: [], scenario_domains: [] },
})

describe('traffic lights and percentages', () => {
  it('maps each light to its tag type', () => {
    expect(lightTagType('green')).toBe('success')
    expect(lightTagType('yellow')).toBe('warning')
    expect(lightTagType('red')).toBe('danger')
  })

  it('formats percentages with at most two decimals and a dash for nothing', () => {
    expect(formatPercent(85)).toBe('85%')
    expect(formatPercent(17.9411)).toBe('17.94%')
    expect(formatPercent(0)).toBe('0%')
    expect(formatPercent(null)).toBe('—')
    expect(formatPercent(undefined)).toBe('—')
    expect(formatPercent(66.666, 1)).toBe('66.7%')
  })

  it('colours progress from red through yellow to green, clamped', () => {
    expect(progressColour(0)).toBe('#eb5757')
    expect(progressColour(50)).toBe('#f2c94c')
    expect(progressColour(100)).toBe('#27ae60')
    expect(progressColour(150)).toBe('#27ae60')
    expect(progressColour(-5)).toBe('#eb5757')
    expect(progressColour(25)).not.toBe(progressColour(75))
  })
})

describe('area progress join', () => {
  const places: PlaceCollection = { type: 'FeatureCollection', features: [place('a'), place('b', 'park')] }
  const areas: AreaFigures[] = [
    { place_code: 'a', name: '名称a', items: 2, progress: 100, lights: { green: 2, yellow: 0, red: 0 } },
    { place_code: 'gone', name: '不在地图', items: 1, progress: 10, lights: { green: 1, yellow: 0, red: 0 } },
    { place_code: 'b', name: '名称b', items: 0, progress: 0, lights: { green: 0, yellow: 0, red: 0 } },
  ]

  it('gives places with items their progress and colour, others grey, and drops unknown codes', () => {
    const fc = areaProgress(places, areas)
    expect(fc.features).toHaveLength(2)
    const [a, b] = fc.features
    expect(a.properties).toMatchObject({ code: 'a', items: 2, progress: 100, colour: '#27ae60', kind: 'area' })
    expect(b.properties).toMatchObject({ code: 'b', items: 0, progress: null, colour: NO_ITEMS_COLOUR })
    expect(a.geometry).toBe(places.features[0].geometry)
  })
})

describe('workflow', () => {
  it('lets the owner unit acknowledge and start, and the office close', () => {
    const unit = ['plan:read', 'plan:report']
    const office = ['plan:read', 'plan:manage']
    expect(nextTransition('assigned', unit, true)).toBe('acknowledged')
    expect(nextTransition('acknowledged', unit, true)).toBe('in_progress')
    expect(nextTransition('assigned', unit, false)).toBeNull()
    expect(nextTransition('in_progress', unit, true)).toBeNull()
    expect(nextTransition('in_progress', office, false)).toBe('done')
    expect(nextTransition('assigned', office, false)).toBeNull()
    expect(nextTransition('done', office, false)).toBeNull()
  })
})

describe('periods', () => {
  it('defaults to the month and accepts months and quarters', () => {
    expect(currentPeriod(new Date(2026, 10, 30))).toBe('2026-11')
    expect(isPeriod('2026-11')).toBe(true)
    expect(isPeriod('2026-Q4')).toBe(true)
    expect(isPeriod('2026-13')).toBe(false)
    expect(isPeriod('2026-Q5')).toBe(false)
    expect(isPeriod('26-11')).toBe(false)
  })

  it('puts a month in its own period and its quarter', () => {
    expect(periodCovers('2026-11', '2026-11')).toBe(true)
    expect(periodCovers('2026-Q4', '2026-11')).toBe(true)
    expect(periodCovers('2026-Q3', '2026-11')).toBe(false)
    expect(periodCovers('2026-10', '2026-11')).toBe(false)
  })
})

describe('indicators', () => {
  const ind: Indicator = {
    key: 'x.y', name_zh: '指标', name_en: null, unit: null, module: 'x', value: 1,
    target: null, due: null, basis: null, attainment: null,
  }
  it('names an indicator in the language shown, falling back', () => {
    expect(indicatorName(ind, 'zh-CN')).toBe('指标')
    expect(indicatorName(ind, 'en')).toBe('指标')
    expect(indicatorName({ ...ind, name_zh: null }, 'en')).toBe('x.y')
  })

  it('builds one series per indicator over the months in order', () => {
    const { months, series } = trendSeries([
      { indicator: 'p', month: '2026-11', value: 20, taken_at: '' },
      { indicator: 'p', month: '2026-10', value: 10, taken_at: '' },
      { indicator: 'q', month: '2026-11', value: 5, taken_at: '' },
    ])
    expect(months).toEqual(['2026-10', '2026-11'])
    expect(series.get('p')).toEqual([10, 20])
    expect(series.get('q')).toEqual([null, 5])
  })
})
