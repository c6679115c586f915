// The plan's tasks and the names of its units, loaded once per visit and shared by the plan
// screens (items and reports carry organisation ids; the plan names every responsible unit).
import { computed, ref } from 'vue'
import { getPlan, type PlanTask, type PlanView } from '../api/plan'
import { useOrganisations } from '../composables/useOrganisations'
import { showError } from '../notify'
import { session } from '../session'

const plan = ref<PlanView | null>(null)
let loading: Promise<void> | null = null

export function usePlanData() {
  const { organisations, reload: reloadOrganisations } = useOrganisations()

  async function load(force = false): Promise<void> {
    if (plan.value && !force) return
    loading ??= Promise.all([getPlan(), reloadOrganisations()])
      .then(([p]) => {
        plan.value = p
      })
      .catch(showError)
      .finally(() => {
        loading = null
      })
    await loading
  }

  const tasks = computed<PlanTask[]>(() => (plan.value ? [...plan.value.tasks, ...plan.value.safeguards] : []))

  const unitNames = computed(() => {
    const names = new Map<string, string>()
    for (const o of organisations.value) names.set(o.id, o.name)
    for (const task of tasks.value) task.units.forEach((u, i) => names.set(u, task.unit_names[i] ?? u))
    const own = session.me?.organisation
    if (own) names.set(own.id, own.name)
    return names
  })

  /** Every organisation the user can pick as a co-unit: all of them when listed, else the plan's. */
  const unitOptions = computed(() => [...unitNames.value].map(([id, name]) => ({ id, name })))

  const unitName = (id: string | null | undefined): string => (id ? (unitNames.value.get(id) ?? id) : '—')
  const task = (id: string): PlanTask | undefined => tasks.value.find((t) => t.id === id || t.code === id)
  const taskLabel = (id: string): string => {
    const found = task(id)
    return found ? `${found.code} ${found.title}` : id
  }

  return { plan, tasks, load, unitName, unitOptions, task, taskLabel }
}
