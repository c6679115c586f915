import { describe, expect, it } from 'vitest'
import { ApiError, networkError, parseProblem } from './problem'
import { queryString } from './http'

const PROBLEM = 'application/problem+json'

describe('parseProblem', () => {
  it('reads a full problem document', () => {
    const body = JSON.stringify({
      type: 'urn:yuverse:problem:validation-error',
      title: 'Validation failed',
      status: 422,
      detail: 'the request has invalid fields',
      errors: [
        { field: 'password', reason: 'too short' },
        { field: 'username', reason: 'taken' },
        { field: 'password', reason: 'needs 3 classes' },
      ],
      request_id: 'req-1',
    })
    const err = parseProblem(422, PROBLEM, body, 'header-id')
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(422)
    expect(err.problemName).toBe('validation-error')
    expect(err.detail).toBe('the request has invalid fields')
    expect(err.message).toBe('the request has invalid fields')
    expect(err.requestId).toBe('req-1')
    expect(err.fieldErrors()).toEqual({ password: 'too short; needs 3 classes', username: 'taken' })
  })

  it('reads the account-locked and rate-limited problems', () => {
    const locked = parseProblem(
      423,
      `${PROBLEM}; charset=utf-8`,
      '{"type":"urn:yuverse:problem:account-locked","title":"Locked","status":423,"detail":"try again in 15 minutes"}',
    )
    expect(locked.problemName).toBe('account-locked')
    expect(locked.detail).toBe('try again in 15 minutes')
    expect(locked.errors).toEqual([])
    const limited = parseProblem(429, PROBLEM, '{"type":"urn:yuverse:problem:rate-limited","title":"Too many","status":429}')
    expect(limited.problemName).toBe('rate-limited')
    expect(limited.message).toBe('Too many')
  })

  it('falls back to the request id from the header', () => {
    const err = parseProblem(404, PROBLEM, '{"type":"urn:yuverse:problem:not-found","title":"Not found","status":404}', 'hdr')
    expect(err.requestId).toBe('hdr')
  })

  it('ignores malformed field errors', () => {
    const err = parseProblem(400, PROBLEM, '{"type":"x","title":"t","status":400,"errors":[{"field":1},"bad",{"field":"a","reason":"b"}]}')
    expect(err.errors).toEqual([{ field: 'a', reason: 'b' }])
  })

  it('survives a body that is not JSON', () => {
    const err = parseProblem(502, 'text/html', '<html>Bad gateway</html>')
    expect(err.status).toBe(502)
    expect(err.title).toBe('HTTP 502')
    expect(err.detail).toBeUndefined()
    const broken = parseProblem(500, PROBLEM, '{not json')
    expect(broken.status).toBe(500)
  })

  it('keeps short plain-text bodies as the detail', () => {
    expect(parseProblem(503, 'text/plain', 'database unavailable\n').detail).toBe('database unavailable')
  })

  it('uses the HTTP status when the document has none', () => {
    expect(parseProblem(403, PROBLEM, '{"title":"Forbidden"}').status).toBe(403)
  })

  it('marks network failures with status 0', () => {
    const err = networkError(new TypeError('Failed to fetch'))
    expect(err.isNetwork).toBe(true)
    expect(err.problemName).toBe('network')
  })
})

describe('queryString', () => {
  it('leaves out empty filters', () => {
    expect(queryString({ q: '', role: undefined, org: null, limit: 20, offset: 0 })).toBe('?limit=20&offset=0')
    expect(queryString({})).toBe('')
    expect(queryString()).toBe('')
  })

  it('encodes values', () => {
    expect(queryString({ q: '两江 & 仙桃', from: '2024-01-01T00:00:00+08:00' })).toBe(
      '?q=%E4%B8%A4%E6%B1%9F+%26+%E4%BB%99%E6%A1%83&from=2024-01-01T00%3A00%3A00%2B08%3A00',
    )
  })
})
