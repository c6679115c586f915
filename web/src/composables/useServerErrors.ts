// Shows a rejected form submission the way the server explained it: each `errors[].field`
// under its own input, and the problem detail above the form. A field's message goes away
// as soon as the user edits that field. `submit` runs a submission with `saving` set and the
// errors cleared before and shown after.
import { reactive, ref, watch } from 'vue'
import { ApiError } from '../api/problem'
import { errorText } from '../notify'

export function useServerErrors<F extends object>(form: F) {
  const fieldErrors = reactive<Record<string, string>>({})
  const summary = ref('')

  watch(
    () => ({ ...form }) as Record<string, unknown>,
    (now, before) => {
      for (const key of Object.keys(now)) {
        if (now[key] !== before[key]) delete fieldErrors[key]
      }
    },
  )

  function clear(): void {
    for (const key of Object.keys(fieldErrors)) delete fieldErrors[key]
    summary.value = ''
  }

  function show(err: unknown): void {
    clear()
    if (err instanceof ApiError) Object.assign(fieldErrors, err.fieldErrors())
    summary.value = errorText(err)
  }

  const saving = ref(false)

  /** Runs `action` as the form's submission; answers whether it succeeded. */
  async function submit(action: () => Promise<unknown>): Promise<boolean> {
    saving.value = true
    clear()
    try {
      await action()
      return true
    } catch (err) {
      show(err)
      return false
    } finally {
      saving.value = false
    }
  }

  return { fieldErrors, summary, clear, show, saving, submit }
}
