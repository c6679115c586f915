// Table state shared by the paged lists: filters, page, page size, loading, errors.
import { reactive, ref, type Ref } from 'vue'
import type { Page } from '../api/types'
import { showError } from '../notify'

export function usePagedList<T, F extends object>(
  load: (filter: F, limit: number, offset: number) => Promise<Page<T>>,
  initialFilter: F,
) {
  const filter = reactive({ ...initialFilter }) as F
  const items = ref([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const pageSize = ref(20)
  const loading = ref(false)
  // Answers can overtake each other when someone pages quickly; only the latest counts.
  let generation = 0

  async function refresh(): Promise<void> {
    const mine = ++generation
    loading.value = true
    try {
      const result = await load({ ...filter }, pageSize.value, (page.value - 1) * pageSize.value)
      if (mine !== generation) return
      items.value = result.items
      total.value = result.total
    } catch (e) {
      if (mine === generation) showError(e)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  /** New filter values start again from page one. */
  function search(): Promise<void> {
    page.value = 1
    return refresh()
  }

  function reset(): Promise<void> {
    Object.assign(filter, initialFilter)
    return search()
  }

  return { filter, items, total, page, pageSize, loading, refresh, search, reset }
}
