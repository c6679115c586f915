// Follows `/api/v1/twin/live` with an EventSource (same origin, so the session cookie goes
// along). The browser reconnects by itself after a drop; changes made while disconnected are
// not replayed, so a reconnection counts as a resync, like the server's own `resync` event.
import { onBeforeUnmount, ref } from 'vue'
import { liveFeedUrl } from '../api/twin'
import type { LiveChange } from './liveState'

export function useLiveFeed(
  types: readonly string[],
  onChange: (change: LiveChange) => void,
  onResync: () => void,
) {
  const connected = ref(false)
  let source: EventSource | null = null
  let dropped = false

  function start(): void {
    stop()
    source = new EventSource(liveFeedUrl(types))
    source.addEventListener('open', () => {
      connected.value = true
      if (dropped) onResync()
      dropped = false
    })
    source.addEventListener('error', () => {
      connected.value = false
      dropped = true
    })
    source.addEventListener('change', (e) => {
      try {
        onChange(JSON.parse((e as MessageEvent<string>).data) as LiveChange)
      } catch {
        // A malformed event changes nothing; the next one or a resync will.
      }
    })
    source.addEventListener('resync', () => onResync())
  }

  function stop(): void {
    source?.close()
    source = null
    connected.value = false
  }

  onBeforeUnmount(stop)
  return { connected, start, stop }
}
