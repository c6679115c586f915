import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { ElMessage } from 'element-plus'
import { allPages } from './nav'
import { canAny, probeSession } from './session'
import { t } from './i18n'

// Hash history: the server only has to serve index.html at `/`, with no fallback rule for
// client-side paths.
const pageComponents: Record<string, RouteRecordRaw['component']> = {
  workbench: () => import('./views/WorkbenchView.vue'),
  twin: () => import('./views/twin/TwinView.vue'),
  users: () => import('./views/governance/UsersView.vue'),
  organisations: () => import('./views/governance/OrganisationsView.vue'),
  apiKeys: () => import('./views/governance/ApiKeysView.vue'),
  audit: () => import('./views/governance/AuditView.vue'),
  realName: () => import('./views/governance/RealNameView.vue'),
  planTasks: () => import('./views/plan/PlanTasksView.vue'),
  planItems: () => import('./views/plan/PlanItemsView.vue'),
  planReports: () => import('./views/plan/PlanReportsView.vue'),
  planCockpit: () => import('./views/plan/PlanCockpitView.vue'),
  planPrint: () => import('./views/plan/PlanPrintView.vue'),
}

const placeholder = () => import('./views/ModulePlaceholder.vue')

const pageRoutes: RouteRecordRaw[] = allPages().map((page) => ({
  path: page.path.slice(1),
  name: page.name,
  component: pageComponents[page.name] ?? placeholder,
  props: pageComponents[page.name] ? false : { module: page.name },
  meta: { anyOf: page.anyOf },
}))

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./views/LoginView.vue'),
    meta: { public: true },
  },
  {
    path: '/',
    component: () => import('./layouts/MainLayout.vue'),
    children: [{ path: '', redirect: { name: 'workbench' } }, ...pageRoutes],
  },
  { path: '/:rest(.*)*', redirect: { name: 'workbench' } },
]

export const router = createRouter({ history: createWebHashHistory(), routes })

router.beforeEach(async (to) => {
  const me = await probeSession()
  if (to.meta.public) {
    // A signed-in user who opens the login page goes straight to work.
    return me && to.name === 'login' ? { name: 'workbench' } : true
  }
  if (!me) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  const anyOf = (to.meta.anyOf as readonly string[] | undefined) ?? []
  if (!canAny(anyOf)) {
    ElMessage({ type: 'warning', message: t('errors.forbidden') })
    return { name: 'workbench' }
  }
  return true
})
