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
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const isWord = (token: Token | undefined, text: string) =>
    token?.kind === 'word' && token.text.toLowerCase() === text;
  const expectPunct = (text: string) => {
    const token = next();
    if (token?.kind !== 'punct' || token.text !== text) throw invalid(source);
  };
  const property = (): string => {
    const token = next();
    if (token?.kind !== 'word') throw invalid(source);
    const match = [...properties].find((p) => p.toLowerCase() === token.text.toLowerCase());
    if (!match) {
      throw badRequest(`Could not find a property named '${token.text}' on type '${type}'.`);
    }
    return match;
  };
  const literal = (): Literal => {
    const token = next();
    if (!token) throw invalid(source);
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return token.value;
    if (token.kind === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
    }
    throw invalid(source);
  };
  const primary = (): FilterNode => {
    const token = peek();
    if (token?.kind === 'punct' && token.text === '(') {
      next();
      const inner = orExpr();
      expectPunct(')');
      return inner;
    }
    if (isWord(token, 'not')) {
      next();
      return { op: 'not', inner: primary() };
    }
    if (isWord(token, 'startswith')) {
      next();
      expectPunct('(');
      const prop = property();
      expectPunct(',');
      const value = literal();
      expectPunct(')');
      if (typeof value !== 'string') throw invalid(source);
      return { op: 'startswith', property: prop, value };
    }
    if (token?.kind === 'word' && tokens[pos + 1]?.kind === 'punct') throw unsupportedQuery();
    const prop = property();
    const operator = next();
    if (operator?.kind !== 'word') throw invalid(source);
    const op = operator.text.toLowerCase();
    if (op === 'eq' || op === 'ne') return { op, property: prop, value: literal() };
    if (op === 'in') {
      expectPunct('(');
      const values = [literal()];
      while (peek()?.kind === 'punct' && (peek() as { text: string }).text === ',') {
        next();
        values.push(literal());
      }
      expectPunct(')');
      return { op: 'in', property: prop, values };
    }
    throw unsupportedQuery();
  };
  const andExpr = (): FilterNode => {
    let node = primary();
    while (isWord(peek(), 'and')) {
      next();
      node = { op: 'and', left: node, right: primary() };
    }
    return node;
  };
  const orExpr = (): FilterNode => {
    let node = andExpr();
    while (isWord(peek(), 'or')) {
      next();
      node = { op: 'or', left: node, right: andExpr() };
    }
    return node;
  };
  const root = orExpr();
  if (pos !== tokens.length) throw invalid(source);
  return root;
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
