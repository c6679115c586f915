// Localised names for server enums, falling back to the raw value for anything new.
import { useI18n } from 'vue-i18n'

export function useLabels() {
  const { t, te } = useI18n()

  const label = (prefix: string, value: string | null | undefined): string => {
    if (!value) return '—'
    const key = `${prefix}.${value}`
    return te(key) ? t(key) : value
  }

  return {
    roleLabel: (role: string | null | undefined) => label('roles', role),
    /** Audit entries also name non-user actors: `anonymous`, `system`, `api_key`. */
    actorRoleLabel: (role: string | null | undefined) =>
      role && te(`audit.actorKinds.${role}`) ? t(`audit.actorKinds.${role}`) : label('roles', role),
    kindLabel: (kind: string | null | undefined) => label('orgKinds', kind),
    placeKindLabel: (kind: string | null | undefined) => label('placeKinds', kind),
    outcomeLabel: (outcome: string | null | undefined) => label('audit.outcomes', outcome),
    permissionLabel: (perm: string) => label('apiKeys.perm', perm.replace(':', '_')),
  }
}
