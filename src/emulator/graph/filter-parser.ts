import { badRequest, unsupportedQuery } from './graph-error.js';

export type Literal = string | number | boolean | null;

export type FilterNode =
  | { op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { op: 'not'; inner: FilterNode }
  | { op: 'eq' | 'ne'; property: string; value: Literal }
  | { op: 'startswith'; property: string; value: string }
  | { op: 'in'; property: string; values: Literal[] };

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'punct'; text: '(' | ')' | ',' };

/**
 * The small part of OData `$filter` the connector uses on directory objects: `eq`, `ne`, `in`,
 * `startswith(prop,'x')`, `not`, `and`, `or`, parentheses. Anything else is
 * `Request_UnsupportedQuery`, like Graph's answer to filters a property does not support.
 */
export function parseFilter(
  source: string,
  properties: ReadonlySet<string>,
  type: string,
): FilterNode {
  return new FilterParser(source, properties, type).parse();
}

/**
 * Recursive descent, one method per rule: `or` binds looser than `and`, which binds looser than
 * a primary (parentheses, `not`, `startswith(...)` or a comparison).
 */
class FilterParser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly properties: ReadonlySet<string>,
    private readonly type: string,
  ) {
    this.tokens = tokenize(source);
  }

  parse(): FilterNode {
    const root = this.orExpr();
    if (this.pos !== this.tokens.length) throw invalid(this.source);
    return root;
  }

  private orExpr(): FilterNode {
    let node = this.andExpr();
    while (isWord(this.peek(), 'or')) {
      this.next();
      node = { op: 'or', left: node, right: this.andExpr() };
    }
    return node;
  }

  private andExpr(): FilterNode {
    let node = this.primary();
    while (isWord(this.peek(), 'and')) {
      this.next();
      node = { op: 'and', left: node, right: this.primary() };
    }
    return node;
  }

  private primary(): FilterNode {
    const token = this.peek();
    if (token?.kind === 'punct' && token.text === '(') {
      this.next();
      const inner = this.orExpr();
      this.expectPunct(')');
      return inner;
    }
    if (isWord(token, 'not')) {
      this.next();
      return { op: 'not', inner: this.primary() };
    }
    if (isWord(token, 'startswith')) {
      this.next();
      return this.startsWith();
    }
    // Any other function call (`endswith(`, `contains(`...) is a query Graph does not support.
    if (token?.kind === 'word' && this.tokens[this.pos + 1]?.kind === 'punct') {
      throw unsupportedQuery();
    }
    return this.comparison();
  }

  /** `startswith(prop, 'x')`, after the function name. */
  private startsWith(): FilterNode {
    this.expectPunct('(');
    const prop = this.property();
    this.expectPunct(',');
    const value = this.literal();
    this.expectPunct(')');
    if (typeof value !== 'string') throw invalid(this.source);
    return { op: 'startswith', property: prop, value };
  }

  /** `prop eq x`, `prop ne x` or `prop in (x, y)`. */
  private comparison(): FilterNode {
    const prop = this.property();
    const operator = this.next();
    if (operator?.kind !== 'word') throw invalid(this.source);
    const op = operator.text.toLowerCase();
    if (op === 'eq' || op === 'ne') return { op, property: prop, value: this.literal() };
    if (op !== 'in') throw unsupportedQuery();
    this.expectPunct('(');
    const values = [this.literal()];
    while (isPunct(this.peek(), ',')) {
      this.next();
      values.push(this.literal());
    }
    this.expectPunct(')');
    return { op: 'in', property: prop, values };
  }

  private property(): string {
    const token = this.next();
    if (token?.kind !== 'word') throw invalid(this.source);
    const match = [...this.properties].find((p) => p.toLowerCase() === token.text.toLowerCase());
    if (!match) {
      throw badRequest(`Could not find a property named '${token.text}' on type '${this.type}'.`);
    }
    return match;
  }

  private literal(): Literal {
    const token = this.next();
    if (!token) throw invalid(this.source);
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return token.value;
    if (token.kind === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
    }
    throw invalid(this.source);
  }

  private expectPunct(text: string): void {
    if (!isPunct(this.next(), text)) throw invalid(this.source);
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token | undefined {
    return this.tokens[this.pos++];
  }
}

function isWord(token: Token | undefined, text: string): boolean {
  return token?.kind === 'word' && token.text.toLowerCase() === text;
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

/** Directory string comparisons are case-insensitive. */
export function evaluateFilter(node: FilterNode, get: (property: string) => unknown): boolean {
  switch (node.op) {
    case 'and':
      return evaluateFilter(node.left, get) && evaluateFilter(node.right, get);
    case 'or':
      return evaluateFilter(node.left, get) || evaluateFilter(node.right, get);
    case 'not':
      return !evaluateFilter(node.inner, get);
    case 'eq':
      return same(get(node.property), node.value);
    case 'ne':
      return !same(get(node.property), node.value);
    case 'in':
      return node.values.some((value) => same(get(node.property), value));
    case 'startswith': {
      const value = get(node.property);
      return typeof value === 'string' && value.toLowerCase().startsWith(node.value.toLowerCase());
    }
    default: {
      const unreachable: never = node;
      throw new Error(`unknown filter node ${JSON.stringify(unreachable)}`);
    }
  }
}

/** `id eq 'a' or id eq 'b' ...` as a list of ids, or null when the filter is anything else. */
export function idsOfIdFilter(node: FilterNode): string[] | null {
  if (node.op === 'eq' && node.property === 'id' && typeof node.value === 'string') {
    return [node.value.toLowerCase()];
  }
  if (node.op === 'or') {
    const left = idsOfIdFilter(node.left);
    const right = idsOfIdFilter(node.right);
    return left && right ? [...left, ...right] : null;
  }
  return null;
}

/**
 * The ids a listing's filter confines it to (`id eq`, `id in (...)`, either joined by `or`, or
 * an `and` with one such side), so the rows are found by id instead of by a scan; null when
 * the filter does not confine the ids. The whole filter is still evaluated on those rows.
 */
export function idsToLookUp(node: FilterNode): string[] | null {
  if (node.op === 'in' && node.property === 'id') {
    return node.values
      .filter((v): v is string => typeof v === 'string')
      .map((v) => v.toLowerCase());
  }
  if (node.op === 'and') return idsToLookUp(node.left) ?? idsToLookUp(node.right);
  if (node.op === 'or') {
    const left = idsToLookUp(node.left);
    const right = idsToLookUp(node.right);
    return left && right ? [...left, ...right] : null;
  }
  return idsOfIdFilter(node);
}

function same(actual: unknown, expected: Literal): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') {
    return actual.toLowerCase() === expected.toLowerCase();
  }
  return (actual ?? null) === expected;
}

function invalid(source: string) {
  return badRequest(`Invalid filter clause: syntax error in '${source}'.`);
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch });
      i++;
    } else if (ch === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw invalid(source);
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += source[i++];
      }
      tokens.push({ kind: 'string', text });
    } else {
      const match = /^[A-Za-z0-9_.\-/$@:]+/.exec(source.slice(i));
      if (!match) throw invalid(source);
      const text = match[0];
      i += text.length;
      if (/^-?\d+(\.\d+)?$/.test(text)) tokens.push({ kind: 'number', value: Number(text) });
      else tokens.push({ kind: 'word', text });
    }
  }
  return tokens;
}
