import { approvalInboxPath, loginPathFor, safeNextPath } from '../../src/web/app/links';

describe('where sign-in may lead (next)', () => {
  test.each([
    ['/app/approvals'],
    ['/app/approvals?invoice=inv_01HX7'],
    ['/app/invoices?status=open&limit=5'],
    ['/app/invoices/inv_01HX7/credit-notes/CN-2026-000001/pdf'],
    ['/app/dashboard?currency=EUR&next=//elsewhere'],
  ])('when next is %s, then it is kept as it is', (next) => {
    expect(safeNextPath(next)).toBe(next);
  });

  test.each([
    ['another origin', 'https://evil.example/app/approvals'],
    ['a protocol-relative URL', '//evil.example/app/approvals'],
    ['a backslash read as a slash', '/\\evil.example/app/'],
    ['a backslash under /app', '/app/\\evil.example'],
    ['an encoded backslash', '/app/%5cevil'],
    ['an encoded slash', '/app/%2F%2Fevil.example'],
    ['a double slash under /app', '/app//evil.example'],
    ['a scheme', 'javascript:alert(1)'],
    ['a data URL', 'data:text/html,hi'],
    ['a path outside /app', '/pay/token'],
    ['/app without its slash', '/app'],
    ['a lookalike of /app', '/apps/x'],
    ['a dot segment', '/app/../pay/token'],
    ['an encoded dot segment', '/app/%2e%2e/pay/token'],
    ['a fragment', '/app/approvals#invoice-1'],
    ['a space', '/app/approvals x'],
    ['a line break', '/app/approvals\r\nSet-Cookie: a=b'],
    ['a tab', '/app/\tapprovals'],
    ['non-ASCII', '/app/apprövals'],
    ['the sign-in page', '/app/login'],
    ['too long', `/app/${'a'.repeat(2000)}`],
    ['nothing', ''],
    ['not a string', ['/app/approvals']],
  ])('when next is %s, then it is refused', (_what, next) => {
    expect(safeNextPath(next)).toBeNull();
  });

  test('when a page asks for sign-in, then the sign-in page carries a safe next, encoded, and drops an unsafe one', () => {
    expect(loginPathFor('/app/approvals?invoice=inv_1')).toBe('/app/login?next=%2Fapp%2Fapprovals%3Finvoice%3Dinv_1');
    expect(loginPathFor('//evil.example/app/')).toBe('/app/login');
    expect(loginPathFor(null)).toBe('/app/login');
  });
});

describe('the approval email\'s link', () => {
  test('when it names an invoice, then it asks the inbox for it and points at its entry, and sign-in would lead back to it', () => {
    const link = approvalInboxPath('inv_01HX7');
    expect(link).toBe('/app/approvals?invoice=inv_01HX7#invoice-inv_01HX7');
    expect(safeNextPath(link.split('#')[0])).toBe('/app/approvals?invoice=inv_01HX7');
  });
});
