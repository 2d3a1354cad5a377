// The benches' options: `--<flag> <value>` on the command line.

/** The value after `name` (e.g. `--only`) on the command line, or undefined when it is not there. */
export function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** `--<flag> <number>` for each flag named, the default otherwise. */
export function numericOptions<T extends { readonly [K in keyof T]: number }>(
  flags: Readonly<Record<string, keyof T>>,
  defaults: T,
): T {
  const arg = (name: string, fallback: number) => {
    const value = argOf(`--${name}`);
    return value === undefined ? fallback : Number(value);
  };
  return Object.fromEntries(Object.entries(flags).map(([flag, key]) => [key, arg(flag, defaults[key])])) as T;
}
