/** Builds the `WHERE a = ? AND b = ?` of a listing from optional filters (the PostgreSQL twin is postgres/list.ts). */
export class Where {
  private readonly clauses: string[] = [];
  readonly params: (string | number)[] = [];

  /** Adds `clause` (one `?` per value) unless a value is undefined, i.e. the filter was not given. */
  add(clause: string, ...values: (string | number | undefined)[]): this {
    if (values.some((v) => v === undefined)) return this;
    this.clauses.push(clause);
    this.params.push(...(values as (string | number)[]));
    return this;
  }

  /** Adds a clause without parameters (a validated literal). */
  raw(clause: string): this {
    this.clauses.push(clause);
    return this;
  }

  /** ` WHERE …` or '' when no filter was added. */
  sql(): string {
    return this.clauses.length ? ` WHERE ${this.clauses.join(' AND ')}` : '';
  }
}
