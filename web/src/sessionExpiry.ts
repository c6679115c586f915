// When any call answers 401 the session is gone (idle timeout, logout elsewhere): forget
// the user and go to the login page, coming back to the same screen afterwards.
import { ElMessage } from 'element-plus'
import type { Router } from 'vue-router'
import { onUnauthorized } from './api/http'
import { t } from './i18n'
import { clearSession, session } from './session'

export function installSessionExpiry(router: Router): void {
  onUnauthorized(() => {
    const wasSignedIn = session.me !== null
    clearSession()
    const current = router.currentRoute.value
    if (current.name === 'login') return
    if (wasSignedIn) ElMessage({ type: 'warning', message: t('errors.sessionExpired') })
    void router.replace({ name: 'login', query: { redirect: current.fullPath } })
  })
}
