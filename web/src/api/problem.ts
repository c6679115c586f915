// RFC 9457 problem details, as every Yuverse endpoint answers errors (docs/api.md).

export interface FieldError {
  field: string
  reason: string
}

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  errors?: FieldError[]
  request_id?: string
}

const PROBLEM_PREFIX = 'urn:yuverse:problem:'

/** A failed API call. `status` 0 means the server could not be reached at all. */
export class ApiError extends Error {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail?: string
  readonly errors: FieldError[]
  readonly requestId?: string

  constructor(problem: Problem, requestId?: string) {
    super(problem.detail || problem.title)
    this.name = 'ApiError'
    this.type = problem.type
    this.title = problem.title
    this.status = problem.status
    this.detail = problem.detail
    this.errors = problem.errors ?? []
    this.requestId = problem.request_id ?? requestId
  }

  /** The stable short name, e.g. `account-locked`; screens branch on this, never on text. */
  get problemName(): string {
    return this.type.startsWith(PROBLEM_PREFIX) ? this.type.slice(PROBLEM_PREFIX.length) : this.type
  }

  get isNetwork(): boolean {
    return this.status === 0
  }

  /** Reasons keyed by field name; several reasons for one field are joined. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const e of this.errors) {
      out[e.field] = out[e.field] ? `${out[e.field]}; ${e.reason}` : e.reason
    }
    return out
  }
}

function isFieldError(v: unknown): v is FieldError {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as FieldError).field === 'string' &&
    typeof (v as FieldError).reason === 'string'
  )
}

/**
 * Turns an error response into an ApiError. Anything that is not a problem document
 * (a proxy's HTML page, an empty body) still yields a usable error with the status.
 */
export function parseProblem(
  status: number,
  contentType: string | null,
  body: string,
  requestId?: string,
): ApiError {
  const ct = (contentType ?? '').toLowerCase()
  if (ct.includes('json') && body.trim() !== '') {
    try {
      const raw: unknown = JSON.parse(body)
      if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
        const o = raw as Record<string, unknown>
        return new ApiError(
          {
            type: typeof o.type === 'string' ? o.type : 'about:blank',
            title: typeof o.title === 'string' ? o.title : `HTTP ${status}`,
            status: typeof o.status === 'number' ? o.status : status,
            detail: typeof o.detail === 'string' ? o.detail : undefined,
            errors: Array.isArray(o.errors) ? o.errors.filter(isFieldError) : undefined,
            request_id: typeof o.request_id === 'string' ? o.request_id : undefined,
          },
          requestId,
        )
      }
    } catch {
      // Fall through to the generic error: a broken body must not hide the status.
    }
  }
  const text = ct.startsWith('text/plain') ? body.trim().slice(0, 300) : ''
  return new ApiError(
    { type: 'about:blank', title: `HTTP ${status}`, status, detail: text || undefined },
    requestId,
  )
}

export function networkError(cause: unknown): ApiError {
  const err = new ApiError({
    type: `${PROBLEM_PREFIX}network`,
    title: 'Network error',
    status: 0,
    detail: cause instanceof Error ? cause.message : undefined,
  })
  return err
}
