// The side navigation and the permissions each page needs. Routes and menu read the same
// table so a page hidden from the menu is also closed to a typed-in URL.

export interface NavPage {
  /** Route name and i18n key under `nav.` */
  name: string
  path: string
  icon: string
  /** Any one of these grants access; empty means every signed-in user. */
  anyOf: readonly string[]
}

export interface NavGroup {
  name: string
  icon: string
  children: readonly NavPage[]
}

export type NavEntry = NavPage | NavGroup

export const NAV: readonly NavEntry[] = [
  { name: 'workbench', path: '/workbench', icon: 'HomeFilled', anyOf: [] },
  { name: 'twin', path: '/twin', icon: 'Location', anyOf: [] },
  { name: 'industry', path: '/industry', icon: 'OfficeBuilding', anyOf: [] },
  { name: 'spaces', path: '/spaces', icon: 'Monitor', anyOf: [] },
  { name: 'collectibles', path: '/collectibles', icon: 'Collection', anyOf: [] },
  {
    name: 'plan',
    icon: 'Flag',
    children: [
      { name: 'planTasks', path: '/plan/tasks', icon: 'Tickets', anyOf: ['plan:read'] },
      { name: 'planItems', path: '/plan/items', icon: 'List', anyOf: ['plan:read'] },
      { name: 'planReports', path: '/plan/reports', icon: 'Document', anyOf: ['plan:read'] },
      { name: 'planCockpit', path: '/plan/cockpit', icon: 'DataBoard', anyOf: ['plan:read'] },
      { name: 'planPrint', path: '/plan/print', icon: 'Printer', anyOf: ['plan:read'] },
    ],
  },
  {
    name: 'governance',
    icon: 'Setting',
    children: [
      { name: 'users', path: '/governance/users', icon: 'User', anyOf: ['users:read'] },
      { name: 'organisations', path: '/governance/organisations', icon: 'School', anyOf: ['organisations:read'] },
      {
        name: 'apiKeys',
        path: '/governance/api-keys',
        icon: 'Key',
        anyOf: ['api_keys:manage_all', 'api_keys:manage_own'],
      },
      { name: 'audit', path: '/governance/audit', icon: 'Document', anyOf: ['audit:read'] },
      { name: 'realName', path: '/governance/real-name', icon: 'Postcard', anyOf: ['profile:real_name'] },
    ],
  },
]

export function isGroup(entry: NavEntry): entry is NavGroup {
  return 'children' in entry
}

function allowed(page: NavPage, permissions: readonly string[]): boolean {
  return page.anyOf.length === 0 || page.anyOf.some((p) => permissions.includes(p))
}

/** The menu for someone holding `permissions`; a group with nothing left in it disappears. */
export function visibleNav(permissions: readonly string[]): NavEntry[] {
  const out: NavEntry[] = []
  for (const entry of NAV) {
    if (isGroup(entry)) {
      const children = entry.children.filter((c) => allowed(c, permissions))
      if (children.length > 0) out.push({ ...entry, children })
    } else if (allowed(entry, permissions)) {
      out.push(entry)
    }
  }
  return out
}

export function allPages(): NavPage[] {
  return NAV.flatMap((e) => (isGroup(e) ? [...e.children] : [e]))
}
