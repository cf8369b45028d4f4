/**
 * WinAnsi (windows-1252) where it differs from Latin-1: 0x80 to 0x9f. Node 20's
 * TextDecoder('windows-1252') decodes those as Latin-1 control characters, so this table does it.
 */
const WIN_ANSI_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeWinAnsi(bytes: Buffer): string {
  return [...bytes].map((byte) => (byte >= 0x80 && byte <= 0x9f ? WIN_ANSI_HIGH[byte - 0x80] : String.fromCharCode(byte))).join('');
}

/**
 * The text of a PDF rendered with `compress: false`: the pages in /Kids order, each page's content
 * stream, and in it every TJ string as one run, the runs of a page joined by newlines, or by spaces
 * so a phrase reads the same wherever a line wraps. PDF readers for Node (pdf.js) load their worker
 * with import(), which jest refuses, so this reads pdfkit's own plain output. The strings are decoded as
 * WinAnsi, the standard fonts' encoding, so "€" reads as "€". A hex string of odd length (a
 * character pdfkit cannot encode) fails the read.
 */
export function readPdfText(pdf: Buffer, runsJoinedBy: ' ' | '\n'): { pages: string[]; title: string | undefined } {
  const source = pdf.toString('latin1');
  const objects = new Map([...source.matchAll(/^(\d+) 0 obj\n([\s\S]*?)\nendobj$/gm)].map(([, id, body]) => [id, body ?? '']));
  const reference = (body: string | undefined, key: string) => new RegExp(`/${key} (\\d+) 0 R`).exec(body ?? '')?.[1];
  const kids = /\/Type \/Pages\n[\s\S]*?\/Kids \[([^\]]*)\]/.exec(source)?.[1] ?? '';
  const pages = [...kids.matchAll(/(\d+) 0 R/g)].map(([, pageId]) => {
    const stream = objects.get(reference(objects.get(pageId ?? ''), 'Contents') ?? '') ?? '';
    const runs = [...stream.matchAll(/\[([^\]]*)\] TJ/g)].map(([, parts]) =>
      [...(parts ?? '').matchAll(/<([0-9a-f]*)>/g)]
        .map(([, hex = '']) => {
          if (hex.length % 2 !== 0) throw new Error(`a text string of odd length: <${hex}>`);
          return decodeWinAnsi(Buffer.from(hex, 'hex'));
        })
        .join(''),
    );
    return runsJoinedBy === ' ' ? runs.join(' ').replace(/ {2,}/g, ' ') : runs.join('\n');
  });
  const titleId = [...objects.values()].map((body) => reference(body, 'Title')).find((id) => id !== undefined);
  const title = objects.get(titleId ?? '')?.replace(/^\(|\)$/g, '');
  return { pages, title };
}
