// Display helpers. The wire carries UTC; people read local time.

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(locale: string): Intl.DateTimeFormat {
  let f = formatters.get(locale)
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    })
    formatters.set(locale, f)
  }
  return f
}

/** Local date and time, or an em dash for "never". */
export function formatTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : formatter(locale).format(d)
}

export function isFuture(iso: string | null | undefined, now = Date.now()): boolean {
  if (!iso) return false
  const t = Date.parse(iso)
  return !Number.isNaN(t) && t > now
}
