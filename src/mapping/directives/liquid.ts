/**
 * `@liquid` with Segment's sandboxing (liquid-directive.ts): limits, disabled tags and filters, ≤1000 characters.
 * Templates are parsed once per mapping and rendered per event.
 */
import { Liquid, type Template } from 'liquidjs';

const engine = new Liquid({ renderLimit: 500, parseLimit: 1000, memoryLimit: 1e8 });

export const DISABLED_LIQUID_TAGS = ['case', 'for', 'include', 'layout', 'render', 'tablerow'];
export const DISABLED_LIQUID_FILTERS = [
  'array_to_sentence_string', 'concat', 'find', 'find_exp', 'find_index', 'find_index_exp', 'group_by', 'group_by_exp',
  'has', 'has_exp', 'map', 'newline_to_br', 'reject', 'reject_exp', 'reverse', 'sort', 'sort_natural', 'uniq',
  'where_exp', 'type',
];

for (const tag of DISABLED_LIQUID_TAGS) {
  engine.registerTag(tag, {
    parse() {
      throw new Error(`tag "${tag}" is disabled`);
    },
    render() {
      throw new Error(`tag "${tag}" is disabled`);
    },
  });
}
for (const filter of DISABLED_LIQUID_FILTERS) {
  engine.registerFilter(filter, () => {
    throw new Error(`filter "${filter}" is disabled`);
  });
}

/** Compiles a `@liquid` value into a renderer; errors surface when the directive runs, as in Segment. */
export function compileLiquid(template: unknown): (payload: unknown) => string {
  if (typeof template !== 'string') {
    return () => {
      throw new Error('liquid template value must be a string');
    };
  }
  if (template.length === 0) return () => '';
  if (template.length > 1000) {
    return () => {
      throw new Error('liquid template values are limited to 1000 characters');
    };
  }
  let parsed: Template[];
  try {
    parsed = engine.parse(template);
  } catch (err) {
    return () => {
      throw err;
    };
  }
  return (payload) => {
    const res: unknown = engine.renderSync(parsed, payload as object);
    return typeof res === 'string' ? res : 'error';
  };
}
