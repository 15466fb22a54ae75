import { useState, type InputHTMLAttributes, type ReactNode } from 'react';

/**
 * A labelled input of a form's `.fields` grid. Identifiers (ids, secrets) want no autocomplete
 * and no spell check: both are off unless the caller says otherwise.
 */
export function Field({
  id,
  label,
  onValue,
  children,
  ...input
}: {
  id: string;
  label: string;
  onValue: (value: string) => void;
  /** Shown under the input (a hint the input names with `aria-describedby`). */
  children?: ReactNode;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'onChange' | 'children'>) {
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        autoComplete="off"
        spellCheck={false}
        {...input}
        onChange={(e) => onValue(e.target.value)}
      />
      {children}
    </div>
  );
}

/**
 * The last row of a paged table: a button that loads the next page, on the last page loaded
 * while the server says there is another.
 */
export function MoreRow(props: {
  show: boolean;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null } | undefined;
  colSpan: number;
  label: string;
  onMore: (cursor: string) => void;
}) {
  const cursor = props.pageInfo?.hasNextPage ? props.pageInfo.endCursor : null;
  if (!props.show || !cursor) return null;
  return (
    <tr>
      <td colSpan={props.colSpan}>
        <button type="button" className="secondary" onClick={() => props.onMore(cursor)}>
          {props.label}
        </button>
      </td>
    </tr>
  );
}

/** A paged table's search and the pages loaded (their `after` cursors; the first is null). */
export function usePagedSearch() {
  const [search, setSearch] = useState('');
  const [pages, setPages] = useState<(string | null)[]>([null]);
  return {
    search,
    pages,
    /** A new search starts again from the first page. */
    searchFor: (text: string) => {
      setSearch(text.trim());
      setPages([null]);
    },
    more: (cursor: string) => setPages((loaded) => [...loaded, cursor]),
  };
}

/** The search box above a paged table; the label is for screen readers. */
export function SearchForm(props: {
  id: string;
  label: string;
  placeholder: string;
  onSearch: (text: string) => void;
}) {
  const [draft, setDraft] = useState('');
  return (
    <form
      className="row wrap"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSearch(draft);
      }}
    >
      <label htmlFor={props.id} className="sr-only">
        {props.label}
      </label>
      <input
        id={props.id}
        type="search"
        placeholder={props.placeholder}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
      />
      <button type="submit" className="secondary">
        Search
      </button>
    </form>
  );
}
