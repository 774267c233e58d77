/** A tiny typed event emitter (no Node `events`, so the module bundles for the browser). */

// biome-ignore lint/suspicious/noExplicitAny: listener maps are keyed by event name to any function type.
export class Emitter<Events extends Record<string, (...args: any[]) => void>> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(name: K, listener: Events[K]): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof Events>(name: K, ...args: Parameters<Events[K]>): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        listener(...args);
      } catch (error) {
        // One broken listener must not stop the others or the connection; report it where a developer looks.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
