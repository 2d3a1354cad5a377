// The benches' numeric options: `--<flag> <number>` for each flag named, the default otherwise.
export function numericOptions<T extends { readonly [K in keyof T]: number }>(
  flags: Readonly<Record<string, keyof T>>,
  defaults: T,
): T {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? fallback : Number(process.argv[i + 1]);
  };
  return Object.fromEntries(Object.entries(flags).map(([flag, key]) => [key, arg(flag, defaults[key])])) as T;
}
