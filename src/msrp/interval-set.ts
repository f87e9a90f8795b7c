// Half-open byte intervals [start, end), merged and sorted: which bytes of a
// message have arrived (reassembly) or have been reported (success REPORTs).

export class IntervalSet {
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];

  add(start: number, end: number): void {
    if (end <= start) return;
    const s = this.#starts;
    const e = this.#ends;
    const n = s.length;
    // Fast path: in-order data extends the last interval.
    if (n > 0 && start >= s[n - 1]! && start <= e[n - 1]!) {
      if (end > e[n - 1]!) e[n - 1] = end;
      return;
    }
    let i = 0;
    while (i < n && e[i]! < start) i++;
    let j = i;
    let ns = start;
    let ne = end;
    while (j < n && s[j]! <= end) {
      ns = Math.min(ns, s[j]!);
      ne = Math.max(ne, e[j]!);
      j++;
    }
    s.splice(i, j - i, ns);
    e.splice(i, j - i, ne);
  }

  /** True when [0, total) is fully covered. */
  coversAll(total: number): boolean {
    if (total === 0) return true;
    return this.#starts.length === 1 && this.#starts[0] === 0 && this.#ends[0]! >= total;
  }

  /** Number of bytes covered. */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.#starts.length; i++) n += this.#ends[i]! - this.#starts[i]!;
    return n;
  }

  get intervals(): Array<[number, number]> {
    return this.#starts.map((s, i) => [s, this.#ends[i]!]);
  }
}
