import { describe, expect, it } from 'vitest'
import { colourFor, kindOf } from './catalogue'
import { applyChange, buildingFeatures, deviceFeatures, emptyState, fromKeyValues, upsert, type LiveChange } from './liveState'

const point = { type: 'Point', coordinates: [106.6, 29.7] }
const square = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] }
const all = new Set(['AirQualityObserved', 'Streetlight'])

function change(over: Partial<LiveChange>): LiveChange {
  return { id: 'urn:a', type: 'AirQualityObserved', deleted: false, attrs: { pm25: 20 }, location: point, ...over }
}

describe('live map state', () => {
  it('loads keyValues entities: devices with points, buildings with footprints', () => {
    const s = emptyState()
    expect(upsert(s, fromKeyValues({ id: 'urn:a', type: 'AirQualityObserved', pm25: 12, location: point }))).toBe('devices')
    expect(upsert(s, fromKeyValues({ id: 'urn:b', type: 'Building', height: 80, location: square }))).toBe('buildings')
    expect(upsert(s, fromKeyValues({ id: 'urn:c', type: 'Streetlight', illuminanceLevel: 1 }))).toBe('devices')
    expect(upsert(s, fromKeyValues({ id: 'urn:d', type: 'Unknown', location: point }))).toBe('none')
    expect([...s.devices.keys()]).toEqual(['urn:a'])
    expect(s.devices.get('urn:a')!.attrs).toEqual({ pm25: 12 })
    expect(buildingFeatures(s).features[0].properties).toMatchObject({ id: 'urn:b', height: 80 })
  })

  it('changes a marker value and colour on a live event', () => {
    const s = emptyState()
    applyChange(s, change({}))
    const before = deviceFeatures(s, all).features[0].properties
    expect(before).toMatchObject({ id: 'urn:a', value: 20 })
    expect(applyChange(s, change({ attrs: { pm25: 130 } }))).toBe('devices')
    const after = deviceFeatures(s, all).features[0].properties
    expect(after.value).toBe(130)
    expect(after.colour).toBe(colourFor(kindOf('AirQualityObserved')!, 130))
    expect(after.colour).not.toBe(before.colour)
  })

  it('removes deleted entities and ones that lost their point', () => {
    const s = emptyState()
    applyChange(s, change({}))
    applyChange(s, change({ id: 'urn:b', type: 'Building', attrs: {}, location: square }))
    expect(applyChange(s, change({ deleted: true, attrs: {}, location: null }))).toBe('devices')
    expect(applyChange(s, change({ id: 'urn:b', deleted: true }))).toBe('buildings')
    expect(applyChange(s, change({ id: 'urn:zz', deleted: true }))).toBe('none')
    applyChange(s, change({}))
    applyChange(s, change({ location: null }))
    expect(s.devices.size + s.buildings.size).toBe(0)
  })

  it('hides types switched off and tells the alert panel about alerts', () => {
    const s = emptyState()
    applyChange(s, change({}))
    applyChange(s, change({ id: 'urn:l', type: 'Streetlight', attrs: { illuminanceLevel: 0.5 } }))
    expect(deviceFeatures(s, new Set(['Streetlight'])).features.map((f) => f.properties.id)).toEqual(['urn:l'])
    expect(applyChange(s, change({ id: 'urn:alert', type: 'Alert' }))).toBe('alerts')
    expect(applyChange(s, change({ type: ['Thing', 'AirQualityObserved'] }))).toBe('devices')
  })

  it('gives buildings without a height a visible default', () => {
    const s = emptyState()
    applyChange(s, change({ id: 'urn:b', type: 'Building', attrs: { name: '仙桃大厦' }, location: square }))
    expect(buildingFeatures(s).features[0].properties).toMatchObject({ height: 10, name: '仙桃大厦' })
  })
})
