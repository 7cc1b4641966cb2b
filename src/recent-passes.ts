import type { Query } from '@tanstack/query-core'

export interface PassRef {
  /** The 'invalidated' event of the pass. */
  seq: number
  at: number
}

/**
 * The latest invalidation passes, kept as each pass's own list of queries, so that a pass costs
 * one slot here and no write per query (a flush may match 10,000): which pass last invalidated a
 * query is worked out when the Queries tab asks. Bounded by the queries referenced and by the
 * passes kept; a pass that matched nothing is not kept.
 */
export class RecentPasses {
  private passes: (PassRef & { queries: readonly Query[] })[] = []
  private referenced = 0

  constructor(
    private readonly maxReferenced = 200_000,
    private readonly maxPasses = 1_000,
  ) {}

  add(pass: PassRef, queries: readonly Query[]): void {
    if (queries.length === 0) return
    this.passes.push({ ...pass, queries })
    this.referenced += queries.length
    while (
      (this.referenced > this.maxReferenced || this.passes.length > this.maxPasses) &&
      this.passes.length > 1
    ) {
      this.referenced -= this.passes.shift()!.queries.length
    }
  }

  /** Each query of the kept passes → the newest pass that invalidated it. */
  lastPassOf(): Map<Query, PassRef> {
    const out = new Map<Query, PassRef>()
    for (let i = this.passes.length - 1; i >= 0; i--) {
      const { seq, at, queries } = this.passes[i]!
      for (const query of queries) if (!out.has(query)) out.set(query, { seq, at })
    }
    return out
  }

  clear(): void {
    this.passes = []
    this.referenced = 0
  }
}
