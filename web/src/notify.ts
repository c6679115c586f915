// One way to tell the user that something failed: the server's own words (problem detail)
// when there are any, with the request id so support can find the log line.
import { ElMessage } from 'element-plus'
import { ApiError } from './api/problem'
import { t } from './i18n'

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.isNetwork) return t('errors.network')
    return err.detail || err.title
  }
  return err instanceof Error ? err.message : String(err)
}

export function showError(err: unknown): void {
  // A 401 has already sent the user to the login page; a second message would be noise.
  if (err instanceof ApiError && err.status === 401) return
  const id = err instanceof ApiError && err.requestId ? ` (${t('common.requestId')}: ${err.requestId})` : ''
  ElMessage({ type: 'error', message: errorText(err) + id, duration: 6000, showClose: true })
}

export function showSuccess(message: string): void {
  ElMessage({ type: 'success', message })
}
