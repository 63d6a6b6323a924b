/**
 * Listeners called once per received datagram. Kept in an array that add() and
 * delete() replace rather than change, so a call is a plain indexed loop (no
 * iterator per datagram, as a Set would make) and a listener that adds or
 * removes one while it is called changes the next delivery, never this one.
 */
export class ListenerList<T> {
  private items: ReadonlyArray<(value: T) => void> = [];

  get size(): number {
    return this.items.length;
  }

  add(listener: (value: T) => void): void {
    if (!this.items.includes(listener)) this.items = [...this.items, listener];
  }

  delete(listener: (value: T) => void): void {
    if (this.items.includes(listener)) this.items = this.items.filter((l) => l !== listener);
  }

  /**
   * Calls every listener with `value`, or with `copy(value)` for every listener after the
   * first when `copy` is given (no two listeners then hold the same object). One that
   * throws does not keep the value from the others: its error goes to `onError` (or nowhere).
   */
  emit(value: T, onError?: (err: unknown) => void, copy?: (value: T) => T): void {
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      try {
        items[i](i > 0 && copy ? copy(value) : value);
      } catch (err) {
        onError?.(err);
      }
    }
  }
}
