/**
 * A scannerless recursive-descent parser for Segment's trigger FQL (reference/segment-ecosystem.md §3).
 * Grammar (precedence from loose to tight; Segment's parser has no precedence, see docs/mappings.md):
 *   expr    := and { 'or' and }
 *   and     := unary { 'and' unary }
 *   unary   := '!' ( '(' expr ')' | fn ) | '(' expr ')' | fn | cond
 *   fn      := ('contains' | 'match') '(' field ',' string ')'
 *   cond    := field op value
 *   field   := 'type' | 'event' | 'name' | 'userId' | ('properties' | 'traits' | 'context') ( '.' segment )+
 *   segment := ( [A-Za-z0-9_-] | '\' any )+
 *   op      := '=' | '!=' | '<' | '<=' | '>' | '>='
 *   value   := "string" | 'string' | number | true | false | null
 */
import { NESTED_FIELDS, ROOT_FIELDS, type CompareOp, type FieldRef, type Literal, type NestedField, type RootField, type TriggerAst } from './ast.js';
import { TriggerParseError } from './errors.js';

const FIELD_LIST = 'type, event, name, userId, properties.<path>, traits.<path> or context.<path>';
const CONDITION = `a condition (${FIELD_LIST}; contains(…); match(…); '!' or '(')`;
const VALUE = 'a value ("string", number, true, false or null)';
const MAX_DEPTH = 64;

function isSegmentChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '-';
}

function isWs(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly src: string) {}

  parse(): TriggerAst {
    const ast = this.parseOr();
    this.skipWs();
    if (this.pos < this.src.length) {
      this.fail(this.src[this.pos] === ')' ? "'and', 'or' or the end of the expression (unbalanced ')')" : "'and', 'or' or the end of the expression");
    }
    return ast;
  }

  private fail(expected: string, at = this.pos): never {
    throw new TriggerParseError(at, expected, this.describe(at));
  }

  private describe(at: number): string {
    if (at >= this.src.length) return 'the end of the expression';
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(at));
    if (word) return `'${word[0]}'`;
    return `'${this.src[at]}'`;
  }

  private skipWs(): void {
    while (this.pos < this.src.length && isWs(this.src[this.pos]!)) this.pos++;
  }

  /** Reads a bare word (letters, digits, _ and -) without escapes; '' if none. */
  private peekWord(): string {
    let end = this.pos;
    while (end < this.src.length && isSegmentChar(this.src[end]!)) end++;
    return this.src.slice(this.pos, end);
  }

  private acceptKeyword(word: string): boolean {
    this.skipWs();
    if (this.src.startsWith(word, this.pos)) {
      const next = this.src[this.pos + word.length];
      if (next === undefined || !(isSegmentChar(next) || next === '\\' || next === '.')) {
        this.pos += word.length;
        return true;
      }
    }
    return false;
  }

  private parseOr(): TriggerAst {
    const first = this.parseAnd();
    const children = [first];
    while (this.acceptKeyword('or')) children.push(this.parseAnd());
    return children.length === 1 ? first : { type: 'or', children };
  }

  private parseAnd(): TriggerAst {
    const first = this.parseUnary();
    const children = [first];
    while (this.acceptKeyword('and')) children.push(this.parseUnary());
    return children.length === 1 ? first : { type: 'and', children };
  }

  private parseGroup(): TriggerAst {
    // at '('
    if (++this.depth > MAX_DEPTH) this.fail(`at most ${MAX_DEPTH} levels of parentheses`);
    this.pos++;
    const inner = this.parseOr();
    this.skipWs();
    if (this.src[this.pos] !== ')') this.fail("'and', 'or' or ')'");
    this.pos++;
    this.depth--;
    return inner;
  }

  private parseUnary(): TriggerAst {
    this.skipWs();
    const c = this.src[this.pos];
    if (c === '!') {
      this.pos++;
      this.skipWs();
      if (this.src[this.pos] === '(') return { type: 'not', child: this.parseGroup() };
      const word = this.peekWord();
      if ((word === 'contains' || word === 'match') && this.isCall(word)) {
        return this.parseFunction(word, true);
      }
      this.fail("'(', contains( or match( after '!'");
    }
    if (c === '(') return this.parseGroup();
    const word = this.peekWord();
    if ((word === 'contains' || word === 'match') && this.isCall(word)) return this.parseFunction(word, false);
    return this.parseCondition();
  }

  private isCall(word: string): boolean {
    let p = this.pos + word.length;
    while (p < this.src.length && isWs(this.src[p]!)) p++;
    return this.src[p] === '(';
  }

  private parseFunction(name: 'contains' | 'match', negate: boolean): TriggerAst {
    this.pos += name.length;
    this.skipWs();
    this.pos++; // '(' (checked by isCall)
    this.skipWs();
    const field = this.parseField();
    this.skipWs();
    if (this.src[this.pos] !== ',') this.fail(`',' after the field in ${name}()`);
    this.pos++;
    this.skipWs();
    const q = this.src[this.pos];
    if (q !== '"' && q !== "'") this.fail(`a "string" as the second argument of ${name}()`);
    const pattern = this.parseString();
    this.skipWs();
    if (this.src[this.pos] !== ')') this.fail(`')' to close ${name}()`);
    this.pos++;
    return { type: 'function', name, field, pattern, negate };
  }

  private parseSegment(): string {
    let out = '';
    const start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\\') {
        if (this.pos + 1 >= this.src.length) this.fail("a character after '\\'", this.pos + 1);
        out += this.src[this.pos + 1];
        this.pos += 2;
      } else if (isSegmentChar(c)) {
        out += c;
        this.pos++;
      } else break;
    }
    if (this.pos === start) this.fail('a path segment (letters, digits, _ or -; escape other characters with \\)');
    return out;
  }

  private parseField(): FieldRef {
    const start = this.pos;
    const c = this.src[this.pos];
    if (c === undefined || !(isSegmentChar(c) || c === '\\')) this.fail(CONDITION);
    const root = this.parseSegment();
    if ((ROOT_FIELDS as readonly string[]).includes(root)) {
      if (this.src[this.pos] === '.') this.fail(`an operator after '${root}' (it has no sub-fields)`);
      return { kind: root as RootField };
    }
    if ((NESTED_FIELDS as readonly string[]).includes(root)) {
      if (this.src[this.pos] !== '.') this.fail(`'.' and a path after '${root}' (e.g. ${root}.plan)`);
      const path: string[] = [];
      while (this.src[this.pos] === '.') {
        this.pos++;
        path.push(this.parseSegment());
      }
      return { kind: root as NestedField, path };
    }
    throw new TriggerParseError(start, `a field (${FIELD_LIST})`, `'${root}'`);
  }

  private parseCondition(): TriggerAst {
    const field = this.parseField();
    this.skipWs();
    const op = this.parseOperator();
    this.skipWs();
    const valueAt = this.pos;
    const value = this.parseValue();
    if (op !== '=' && op !== '!=' && value.kind !== 'number' && value.kind !== 'string') {
      this.fail(`a number after '${op}'`, valueAt);
    }
    return { type: 'compare', field, op, value };
  }

  private parseOperator(): CompareOp {
    const two = this.src.slice(this.pos, this.pos + 2);
    if (two === '!=' || two === '<=' || two === '>=') {
      this.pos += 2;
      return two;
    }
    const one = this.src[this.pos];
    if (one === '=' || one === '<' || one === '>') {
      this.pos++;
      return one;
    }
    this.fail('an operator (=, !=, <, <=, >, >=)');
  }

  private parseString(): string {
    const quote = this.src[this.pos]!;
    const start = this.pos;
    this.pos++;
    let out = '';
    while (true) {
      if (this.pos >= this.src.length) throw new TriggerParseError(start, `a closing ${quote} for the string`, 'the end of the expression');
      const c = this.src[this.pos]!;
      // Only the enclosing quote and the backslash itself can be escaped; any other backslash is literal, as in Segment.
      if (c === '\\' && (this.src[this.pos + 1] === quote || this.src[this.pos + 1] === '\\')) {
        out += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === quote) {
        this.pos++;
        return out;
      }
      out += c;
      this.pos++;
    }
  }

  private parseValue(): Literal {
    const c = this.src[this.pos];
    if (c === '"' || c === "'") return { kind: 'string', value: this.parseString() };
    const num = /^[-+]?\d+(\.\d+)?/.exec(this.src.slice(this.pos));
    if (num) {
      const next = this.src[this.pos + num[0].length];
      if (next === undefined || isWs(next) || next === ')') {
        this.pos += num[0].length;
        return { kind: 'number', value: Number(num[0]), raw: num[0] };
      }
    }
    const word = this.peekWord();
    const next = this.src[this.pos + word.length];
    if (next === undefined || isWs(next) || next === ')') {
      if (word === 'true' || word === 'false') {
        this.pos += word.length;
        return { kind: 'boolean', value: word === 'true' };
      }
      if (word === 'null') {
        this.pos += 4;
        return { kind: 'null' };
      }
    }
    this.fail(VALUE);
  }
}

/** Parses a trigger. Throws TriggerParseError naming the position and what was expected. */
export function parseTrigger(fql: string): TriggerAst {
  if (typeof fql !== 'string') throw new TriggerParseError(0, 'a trigger string', typeof fql);
  return new Parser(fql).parse();
}
