/** GraphQL documents an attacker sends to make validation or execution expensive. */

/** `fragment Fk on Query { ...F(k-1) ...F(k-1) }`: 2^levels selections once expanded. */
export function fragmentBomb(levels: number): string {
  const lines = ['query Bomb { ...F' + levels + ' }', 'fragment F0 on Query { companies { id } }'];
  for (let k = 1; k <= levels; k++)
    lines.push(`fragment F${k} on Query { ...F${k - 1} ...F${k - 1} }`);
  return lines.join('\n');
}

export function aliasFlood(aliases: number): string {
  return `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: companies { id }`).join(' ')} }`;
}

export function directiveFlood(directives: number): string {
  return `{ companies ${'@include(if: true) '.repeat(directives)}{ id } }`;
}
