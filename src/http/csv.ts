// A small RFC 4180 reader for user imports: comma-separated, fields optionally in double quotes
// (a quote inside doubled), CRLF or LF line ends, a UTF-8 byte-order mark ignored, blank lines
// skipped.

export type CsvResult =
  | { readonly ok: true; readonly rows: string[][] }
  | { readonly ok: false; readonly line: number; readonly message: string };

type Where = 'start' | 'plain' | 'quoted' | 'afterQuote';

export function parseCsv(text: string): CsvResult {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let where: Where = 'start';
  let line = 1;
  const endField = (): void => {
    row.push(field);
    field = '';
    where = 'start';
  };
  const endRow = (): void => {
    endField();
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (where === 'quoted') {
      if (c !== '"') {
        if (c === '\n') line++;
        field += c;
      } else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else where = 'afterQuote';
      continue;
    }
    if (c === ',') endField();
    else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      endRow();
      line++;
    } else if (c === '"' && where === 'start') where = 'quoted';
    else if (where === 'afterQuote') return { ok: false, line, message: 'text after a closing quote' };
    else if (c === '"') return { ok: false, line, message: 'a quote inside an unquoted field' };
    else {
      field += c;
      where = 'plain';
    }
  }
  if (where === 'quoted') return { ok: false, line, message: 'a quoted field is not closed' };
  if (field !== '' || row.length > 0 || where === 'afterQuote') endRow();
  return { ok: true, rows };
}
