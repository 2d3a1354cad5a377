// fast-check arbitraries from the JSON schemas of the OpenAPI document (TypeBox output): bodies
// and parameters that mostly pass validation, so the fuzzer gets past it into the handlers.
import fc from 'fast-check';

export interface Schema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
}

/** Web hooks are sent somewhere: to a closed local port, so a fuzz run reaches no one. */
const URLS = ['http://127.0.0.1:9/hook', 'https://127.0.0.1:9/a?b=c', 'http://[::1]:9/x', 'HTTP://127.0.0.1:9/'];

function stringArb(s: Schema): fc.Arbitrary<string> {
  const maxLength = s.maxLength === undefined ? 40 : Math.min(s.maxLength, 60);
  switch (s.format) {
    case 'email':
      return fc.emailAddress();
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'uri':
      return fc.constantFrom(...URLS);
  }
  if (s.pattern !== undefined)
    return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= (s.maxLength ?? Infinity));
  // Near the limits as well as in between.
  return fc.oneof(fc.string({ minLength: s.minLength ?? 0, maxLength }), fc.constant('x'.repeat(s.maxLength ?? 100)));
}

export function schemaArb(s: Schema, depth = 0): fc.Arbitrary<unknown> {
  const variants = s.anyOf ?? s.oneOf;
  if (variants !== undefined) return fc.oneof(...variants.map((v) => schemaArb(v, depth + 1)));
  if ('const' in s) return fc.constant(s.const);
  if (s.enum !== undefined) return fc.constantFrom(...s.enum);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const props = s.properties ?? {};
      if (Object.keys(props).length === 0 || depth > 6)
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = schemaArb(v, depth + 1);
      return fc.record(model, { requiredKeys: [...(s.required ?? [])] });
    }
    case 'array': {
      const item =
        s.items === undefined || Object.keys(s.items).length === 0
          ? fc.jsonValue({ maxDepth: 2 })
          : schemaArb(s.items, depth + 1);
      const maxLength = Math.min(s.maxItems ?? 5, 5);
      return s.uniqueItems === true
        ? fc.uniqueArray(item, { maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(item, { maxLength });
    }
    case 'string':
      return stringArb(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
