// The event queue: a binary min-heap on time over parallel typed arrays, so
// millions of pending events cost a few dozen bytes each and no objects.

export class EventHeap {
  private time = new Float64Array(1024)
  private kind = new Uint8Array(1024)
  private a = new Int32Array(1024)
  private b = new Int32Array(1024)
  size = 0

  push(time: number, kind: number, a: number, b = 0): void {
    if (this.size === this.time.length) this.grow()
    let i = this.size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.time[parent]! <= time) break
      this.move(parent, i)
      i = parent
    }
    this.time[i] = time
    this.kind[i] = kind
    this.a[i] = a
    this.b[i] = b
  }

  /** Removes the earliest event into `out` (time, kind, a, b); false when empty. */
  pop(out: { time: number; kind: number; a: number; b: number }): boolean {
    if (this.size === 0) return false
    out.time = this.time[0]!
    out.kind = this.kind[0]!
    out.a = this.a[0]!
    out.b = this.b[0]!
    const last = --this.size
    const t = this.time[last]!
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= last) break
      if (child + 1 < last && this.time[child + 1]! < this.time[child]!) child++
      if (this.time[child]! >= t) break
      this.move(child, i)
      i = child
    }
    this.move(last, i)
    return true
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from]!
    this.kind[to] = this.kind[from]!
    this.a[to] = this.a[from]!
    this.b[to] = this.b[from]!
  }

  private grow(): void {
    const n = this.time.length * 2
    const time = new Float64Array(n)
    time.set(this.time)
    const kind = new Uint8Array(n)
    kind.set(this.kind)
    const a = new Int32Array(n)
    a.set(this.a)
    const b = new Int32Array(n)
    b.set(this.b)
    this.time = time
    this.kind = kind
    this.a = a
    this.b = b
  }
}
