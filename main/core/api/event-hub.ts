// Fans the node's live events out to whoever listens (WebSocket clients, the window over IPC).
import type { ApiEvent } from './contract.ts'

export class EventHub {
  private readonly listeners = new Set<(e: ApiEvent) => void>()
  private lastStatus = ''

  emit(event: ApiEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // one broken listener must not silence the others
      }
    }
  }

  /** Emits the status only when it differs from the last one sent, so idle nodes stay quiet. */
  emitStatusIfChanged(status: ApiEvent & { type: 'status' }): void {
    const text = JSON.stringify(status.status)
    if (text === this.lastStatus) return
    this.lastStatus = text
    this.emit(status)
  }

  on(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get listenerCount(): number {
    return this.listeners.size
  }
}
