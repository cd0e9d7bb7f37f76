/** The console's list table: `<table class="table">`, an optional caption, one header row from `columns`, the rows. */
import type { ReactNode } from 'react';

/**
 * A header cell: its text; `{ label, num: true }` for a right-aligned number column; `{ label, srOnly: true }` for a
 * column named only for screen readers (e.g. row actions); null to leave the column out.
 */
export type Column = string | { label: ReactNode; num?: boolean; srOnly?: boolean } | null;

export function Table({ columns, caption, className, children }: { columns: Column[]; caption?: string; className?: string; children: ReactNode }): ReactNode {
  return (
    <table className={className ? `table ${className}` : 'table'}>
      {caption ? <caption>{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c, i) => (c === null ? null : <HeaderCell key={i} column={c} />))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

function HeaderCell({ column }: { column: Exclude<Column, null> }): ReactNode {
  if (typeof column === 'string') return <th scope="col">{column}</th>;
  return (
    <th scope="col" className={column.num ? 'num' : undefined}>
      {column.srOnly ? <span className="sr-only">{column.label}</span> : column.label}
    </th>
  );
}

/** The last column of rows with buttons or links: named "Actions" for screen readers only. */
export const ACTIONS_COLUMN: Column = { label: 'Actions', srOnly: true };
