/**
 * A CSV file as a sync source (RFC 4180): the first record is the header; fields may be quoted with `"`, a quoted
 * field may hold commas, CR/LF and `""` (an escaped quote); records end in LF or CRLF. Streamed chunk by chunk.
 * Empty unquoted fields become null (a missing value); `""` stays the empty string.
 */
import { createReadStream, existsSync } from 'node:fs';
import { SourceError, type Row } from './types.js';

/** Incremental RFC 4180 parser: feed text, take complete records. */
export class CsvParser {
  private field = '';
  private record: (string | null)[] = [];
  private quoted = false;
  private inQuotes = false;
  private quotePending = false;
  private line = 1;
  readonly records: (string | null)[][] = [];

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false; // the quote closed the field; fall through to handle c
        } else if (c === '"') {
          this.quotePending = true;
          continue;
        } else {
          if (c === '\n') this.line++;
          this.field += c;
          continue;
        }
      }
      if (c === ',') this.endField();
      else if (c === '\n') {
        this.endRecord();
        this.line++;
      } else if (c === '\r') {
        // CR of CRLF: ignored; a bare CR inside a record is dropped too.
      } else if (c === '"') {
        if (this.field !== '' || this.quoted) throw new SourceError(`csv source: line ${this.line}: a quote inside an unquoted field. Fix: quote the whole field and double inner quotes ("")`);
        this.inQuotes = true;
        this.quoted = true;
      } else {
        if (this.quoted) throw new SourceError(`csv source: line ${this.line}: text after a closing quote. Fix: quote the whole field`);
        this.field += c;
      }
    }
  }

  end(): void {
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
    }
    if (this.inQuotes) throw new SourceError(`csv source: the file ends inside a quoted field (opened before line ${this.line})`);
    if (this.field !== '' || this.quoted || this.record.length > 0) this.endRecord();
  }

  private endField(): void {
    this.record.push(this.field === '' && !this.quoted ? null : this.field);
    this.field = '';
    this.quoted = false;
  }

  private endRecord(): void {
    this.endField();
    // A blank line is no record.
    if (!(this.record.length === 1 && this.record[0] === null)) this.records.push(this.record);
    this.record = [];
  }
}

export async function* readCsv(path: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<Row[]> {
  if (!existsSync(path)) throw new SourceError(`csv source: no file at ${path}`);
  const parser = new CsvParser();
  let header: string[] | undefined;
  const emit = (): Row[] => {
    const out: Row[] = [];
    for (const rec of parser.records) {
      if (!header) {
        header = rec.map((h, i) => (h ?? '').replace(/^\uFEFF/, '').trim() || `column${i + 1}`);
        continue;
      }
      const row: Row = {};
      for (let i = 0; i < header.length; i++) row[header[i]!] = rec[i] ?? null;
      out.push(row);
    }
    parser.records.length = 0;
    return out;
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    if (opts.signal?.aborted) return;
    parser.feed(chunk as string);
    const rows = emit();
    if (rows.length) yield rows;
  }
  parser.end();
  const rows = emit();
  if (rows.length) yield rows;
}
