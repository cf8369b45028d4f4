import type { Language } from '../../locale';
import { de } from './de';
import { en } from './en';
import type { PdfCopy } from './types';

export type * from './types';

/** The copy of every language billflow writes in: a language without complete copy does not compile. */
const COPY: Readonly<Record<Language, PdfCopy>> = { en, de };

export function pdfCopy(language: Language): PdfCopy {
  return COPY[language];
}
