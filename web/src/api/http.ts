// The one place that talks HTTP: same-origin fetch (the session cookie carries the login),
// JSON in and out, problem+json turned into ApiError.
import { ApiError, networkError, parseProblem } from './problem'

export type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Login and the start-up session probe expect 401 and handle it themselves. */
  skipAuthRedirect?: boolean
}

let unauthorizedHandler: (() => void) | null = null

/** Called on any unexpected 401 (the session expired): the app sends the user to login. */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler
}

/** Empty values are left out so "no filter" never reaches the server as `role=`. */
export function queryString(query?: Query): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    params.append(key, String(value))
  }
  const s = params.toString()
  return s ? `?${s}` : ''
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  let body: string | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  let res: Response
  try {
    res = await fetch(path + queryString(opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
    })
  } catch (e) {
    throw networkError(e)
  }
  if (!res.ok) {
    const err: ApiError = parseProblem(
      res.status,
      res.headers.get('content-type'),
      await res.text(),
      res.headers.get('x-request-id') ?? undefined,
    )
    if (res.status === 401 && !opts.skipAuthRedirect) unauthorizedHandler?.()
    throw err
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const API = '/api/v1'
