// S8.1: the CSV reader behind POST /api/v1/users/import.
import { describe, expect, test } from 'vitest';
import { parseCsv } from '../../src/http/csv.js';

describe('S8.1 CSV import reader', () => {
  test('S8.1 quoted fields keep commas, doubled quotes and line breaks; CRLF and a BOM are fine', () => {
    expect(parseCsv('\uFEFFextension,name\r\n1011,"Kim, ""KK"" Lee"\r\n1012,"two\nlines"\r\n')).toEqual({
      ok: true,
      rows: [
        ['extension', 'name'],
        ['1011', 'Kim, "KK" Lee'],
        ['1012', 'two\nlines'],
      ],
    });
  });

  test('S8.1 blank lines are skipped and empty cells are kept as empty strings', () => {
    expect(parseCsv('a,b,c\n\n1,,3\n,,\n')).toEqual({
      ok: true,
      rows: [
        ['a', 'b', 'c'],
        ['1', '', '3'],
        ['', '', ''],
      ],
    });
  });

  test('S8.1 an unclosed quote, text after a closing quote and a stray quote are refused with the line', () => {
    expect(parseCsv('a,b\n1,"open\n')).toEqual({ ok: false, line: 3, message: 'a quoted field is not closed' });
    expect(parseCsv('a,b\n"x"y,2\n')).toEqual({ ok: false, line: 2, message: 'text after a closing quote' });
    expect(parseCsv('a,b\nx"y,2\n')).toEqual({ ok: false, line: 2, message: 'a quote inside an unquoted field' });
  });

  test('S8.1 the last row needs no line end', () => {
    expect(parseCsv('a\n"1"')).toEqual({ ok: true, rows: [['a'], ['1']] });
  });
});
