import { describe, expect, it } from 'vitest'
import { formatTime, isFuture } from './format'

describe('formatTime', () => {
  it('shows a dash for missing times', () => {
    expect(formatTime(null, 'zh-CN')).toBe('—')
    expect(formatTime(undefined, 'en')).toBe('—')
  })

  it('passes unparsable text through', () => {
    expect(formatTime('not a time', 'zh-CN')).toBe('not a time')
  })

  it('formats a UTC time with the year', () => {
    expect(formatTime('2024-05-01T12:00:00Z', 'zh-CN')).toContain('2024')
  })
})

describe('isFuture', () => {
  it('compares against now', () => {
    const now = Date.parse('2024-05-01T00:00:00Z')
    expect(isFuture('2024-05-01T00:15:00Z', now)).toBe(true)
    expect(isFuture('2024-04-30T23:00:00Z', now)).toBe(false)
    expect(isFuture(null, now)).toBe(false)
  })
})
