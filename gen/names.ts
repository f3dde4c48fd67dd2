/** TypeScript names for spec names ("rt-link" → "RtLink", "6lowpan" → "_6lowpan"). */
export function pascal(name: string): string {
  const p = name
    .split(/[^0-9A-Za-z]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
  return /^[0-9]/.test(p) ? `_${p}` : p;
}

export function camel(name: string): string {
  const p = pascal(name);
  return p.startsWith("_") ? p : p[0]!.toLowerCase() + p.slice(1);
}

/** A property key: bare when it is an identifier, quoted otherwise. */
export function key(name: string): string {
  return /^[A-Za-z_$][0-9A-Za-z_$]*$/.test(name) ? name : JSON.stringify(name);
}
