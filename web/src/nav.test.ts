import { describe, expect, it } from 'vitest'
import { allPages, isGroup, visibleNav } from './nav'

function names(permissions: string[]): string[] {
  return visibleNav(permissions).flatMap((e) => (isGroup(e) ? [e.name, ...e.children.map((c) => c.name)] : [e.name]))
}

describe('navigation', () => {
  it('shows the module pages to everyone signed in', () => {
    expect(names([])).toEqual(['workbench', 'twin', 'industry', 'spaces', 'collectibles'])
  })

  it('shows plan supervision to those who read the plan', () => {
    const n = names(['plan:read'])
    expect(n).toEqual(expect.arrayContaining(['plan', 'planTasks', 'planItems', 'planReports', 'planCockpit', 'planPrint']))
    expect(names(['places:read'])).not.toContain('plan')
  })

  it('shows the audit log to the auditor but not the users page', () => {
    const n = names(['audit:read', 'places:read'])
    expect(n).toContain('audit')
    expect(n).toContain('governance')
    expect(n).not.toContain('users')
  })

  it('shows API keys for either key permission', () => {
    expect(names(['api_keys:manage_own'])).toContain('apiKeys')
    expect(names(['api_keys:manage_all'])).toContain('apiKeys')
  })

  it('gives every page a unique path', () => {
    const paths = allPages().map((p) => p.path)
    expect(new Set(paths).size).toBe(paths.length)
  })
})
