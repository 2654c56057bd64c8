import type { MailKind } from '../store/mailQueue.js';

/** A message ready for a transport: plain text and HTML bodies of the same words. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** What every message signs with, from settings only. */
export interface Brand {
  readonly productName: string;
}

/** A paragraph of text, or a link to show as a button in HTML and on a line of its own in text. */
type Block = string | { readonly link: string; readonly label: string };

interface Draft {
  readonly subject: string;
  readonly blocks: readonly Block[];
}

/**
 * The words of each message. `params` come from the queue row: `name` (may be empty), `link`,
 * `newEmail`. Every value is escaped for HTML, and none reaches a header except through the
 * subject, which holds only the product name (checked for control characters at start).
 */
const DRAFTS: Record<MailKind, (params: Readonly<Record<string, string>>, brand: Brand) => Draft> = {
  password_reset: (p, b) => ({
    subject: `Reset your ${b.productName} password`,
    blocks: [
      greeting(p),
      `Someone (we hope you) asked to reset the password of your ${b.productName} account. Choose a new one here:`,
      { link: p.link ?? '', label: 'Choose a new password' },
      'The link works once and for a short time. Using it signs you out on every device.',
      'If you did not ask for this, ignore this message: your password stays as it is.',
    ],
  }),
  email_verification: (p, b) => ({
    subject: `Confirm your email for ${b.productName}`,
    blocks: [
      greeting(p),
      `Please confirm that this is your email address for ${b.productName}:`,
      { link: p.link ?? '', label: 'Confirm my email' },
      'If you did not create an account, ignore this message.',
    ],
  }),
  email_change: (p, b) => ({
    subject: `Confirm your new email for ${b.productName}`,
    blocks: [
      greeting(p),
      `Your ${b.productName} account asked to use this address from now on. Confirm it here:`,
      { link: p.link ?? '', label: 'Use this address' },
      'Until you confirm, the account keeps its old address. If you did not ask for this, ignore this message.',
    ],
  }),
  email_change_notice: (p, b) => ({
    subject: `Your ${b.productName} email is about to change`,
    blocks: [
      greeting(p),
      `Someone signed in to your ${b.productName} account asked to change its email to ${p.newEmail ?? ''}. Nothing changes until that address confirms.`,
      'If this was not you, change your password now and sign out everywhere: your account is at risk.',
    ],
  }),
  email_taken_notice: (p, b) => ({
    subject: `Someone tried to use your email on ${b.productName}`,
    blocks: [
      'Hello,',
      `Someone asked to move another ${b.productName} account to this address (${p.newEmail ?? ''}). You already have an account with it, so nothing changed.`,
      'If you forgot your password, you can reset it from the sign-in page. Otherwise, ignore this message.',
    ],
  }),
};

function greeting(params: Readonly<Record<string, string>>): string {
  return params.name ? `Hello ${params.name},` : 'Hello,';
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);

/**
 * Control and format characters in a value (a name stored before names were checked, or by hand)
 * become a space: no value can start a line of its own that looks like a header, or hide text.
 */
const flatten = (params: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(params).map(([key, value]) => [key, value.replace(/[\p{Cc}\p{Cf}]+/gu, ' ')]),
  );

/** Renders a queued message in the product's words, as text and as HTML. */
export function renderMail(
  kind: MailKind,
  params: Readonly<Record<string, string>>,
  brand: Brand,
): RenderedMail {
  const draft = DRAFTS[kind](flatten(params), brand);
  const sign = `— ${brand.productName}`;
  const text = [...draft.blocks.map((block) => (typeof block === 'string' ? block : block.link)), sign].join(
    '\n\n',
  );
  const paragraphs = draft.blocks.map((block) =>
    typeof block === 'string'
      ? `<p>${escapeHtml(block)}</p>`
      : `<p><a href="${escapeHtml(block.link)}" style="display:inline-block;padding:10px 16px;background:#3880ff;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(block.label)}</a></p>
<p style="font-size:12px;color:#666">Or open this link: ${escapeHtml(block.link)}</p>`,
  );
  const html = `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#222;max-width:560px">
${paragraphs.join('\n')}
<p>${escapeHtml(sign)}</p>
</body></html>
`;
  return { subject: draft.subject, text: `${text}\n`, html };
}
