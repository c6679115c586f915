// One way to tell the user that something failed: the server's own words (problem detail)
// when there are any, with the request id so support can find the log line.
import { ElMessage, ElMessageBox } from 'element-plus'
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

/** What to ask before an action, and what to say once it is done. */
export interface Confirmation {
  message: string
  title: string
  /** The confirm button's words; the title's when not given. */
  confirmText?: string
  /** Said when the action succeeded. */
  done: string
  /** A destructive action (delete, revoke): the confirm button is red. */
  danger?: boolean
}

/** Asks before `action`, runs it once confirmed, and tells its outcome. Answers whether it ran
 * and succeeded, so that the caller reloads only then. */
export async function confirmAndRun(c: Confirmation, action: () => Promise<unknown>): Promise<boolean> {
  try {
    await ElMessageBox.confirm(c.message, c.title, {
      type: 'warning',
      confirmButtonText: c.confirmText ?? c.title,
      cancelButtonText: t('common.cancel'),
      ...(c.danger ? { confirmButtonClass: 'el-button--danger' } : {}),
    })
  } catch {
    return false
  }
  try {
    await action()
    showSuccess(c.done)
    return true
  } catch (e) {
    showError(e)
    return false
  }
}
