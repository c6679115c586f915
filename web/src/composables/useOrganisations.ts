// Organisation names for selects and for showing `organisation_id` as a name. Loaded once
// per page visit; the district has far fewer organisations than the 500 a page may hold.
import { ref } from 'vue'
import { listOrganisations } from '../api/organisations'
import type { Organisation } from '../api/types'
import { can, session } from '../session'

const organisations = ref<Organisation[]>([])

export function useOrganisations() {
  async function reload(): Promise<void> {
    if (!can('organisations:read')) {
      organisations.value = []
      return
    }
    try {
      organisations.value = (await listOrganisations({}, 500, 0)).items
    } catch {
      // Names are a convenience; the tables still show ids.
      organisations.value = []
    }
  }

  function organisationName(id: string | null | undefined): string {
    if (!id) return '—'
    const found = organisations.value.find((o) => o.id === id)
    if (found) return found.name
    const own = session.me?.organisation
    return own && own.id === id ? own.name : id
  }

  return { organisations, reload, organisationName }
}
