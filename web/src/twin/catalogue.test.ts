import { describe, expect, it } from 'vitest'
import { DEVICE_KINDS, NO_VALUE_COLOUR, colourFor, formatValue, kindOf, legend, numericValue } from './catalogue'

describe('device colour scale', () => {
  const pm25 = kindOf('AirQualityObserved')!

  it('has a kind for each simulated device type, with ascending stops', () => {
    expect(DEVICE_KINDS.map((k) => `${k.type}.${k.attribute}`)).toEqual([
      'AirQualityObserved.pm25',
      'OffStreetParking.occupancy',
      'CrowdFlowObserved.peopleCount',
      'TrafficFlowObserved.intensity',
      'Streetlight.illuminanceLevel',
      'EVChargingStation.availableCapacity',
      'WeatherObserved.temperature',
    ])
    for (const k of DEVICE_KINDS) {
      const froms = k.stops.map((s) => s.from)
      expect([...froms].sort((a, b) => a - b)).toEqual(froms)
    }
  })

  it('takes the colour of the band the value falls in', () => {
    expect(colourFor(pm25, 10)).toBe(pm25.stops[0].colour)
    expect(colourFor(pm25, 35)).toBe(pm25.stops[1].colour)
    expect(colourFor(pm25, 120)).toBe(pm25.stops[3].colour)
    expect(colourFor(pm25, 999)).toBe(pm25.stops[4].colour)
    expect(colourFor(pm25, -5)).toBe(pm25.stops[0].colour)
    expect(colourFor(pm25, null)).toBe(NO_VALUE_COLOUR)
  })

  it('reads numbers and numeric strings only', () => {
    expect(numericValue(3.5)).toBe(3.5)
    expect(numericValue('42')).toBe(42)
    expect(numericValue('')).toBeNull()
    expect(numericValue('high')).toBeNull()
    expect(numericValue(NaN)).toBeNull()
    expect(numericValue({ value: 1 })).toBeNull()
  })

  it('formats percentages and units', () => {
    expect(formatValue(kindOf('OffStreetParking')!, 0.873, '%')).toBe('87%')
    expect(formatValue(pm25, 35, 'μg/m³')).toBe('35 μg/m³')
    expect(formatValue(pm25, 35.26, 'μg/m³')).toBe('35.3 μg/m³')
    expect(formatValue(pm25, null, 'μg/m³')).toBe('—')
  })

  it('draws the legend from the same stops', () => {
    expect(legend(pm25)).toEqual([
      { colour: pm25.stops[0].colour, label: '< 35' },
      { colour: pm25.stops[1].colour, label: '35 – 75' },
      { colour: pm25.stops[2].colour, label: '75 – 115' },
      { colour: pm25.stops[3].colour, label: '115 – 150' },
      { colour: pm25.stops[4].colour, label: '≥ 150' },
    ])
    expect(legend(kindOf('OffStreetParking')!).map((e) => e.label)).toEqual(['< 60%', '60% – 85%', '85% – 95%', '≥ 95%'])
  })
})
