import type { MailParserDefinition } from "./define-mail-parser.js";
import { courierParser } from "./mail/courier.js";
import { dovecotParser } from "./mail/dovecot.js";
import { eximParser } from "./mail/exim.js";
import { postfixParser } from "./mail/postfix.js";
import { sendmailParser } from "./mail/sendmail.js";
import { vpopmailParser } from "./mail/vpopmail.js";

/** Every mail log format, alphabetical. `auto` tries them in this order on lines holding one of their needles. */
export const MAIL_PARSERS: readonly MailParserDefinition[] = [
  courierParser,
  dovecotParser,
  eximParser,
  postfixParser,
  sendmailParser,
  vpopmailParser,
];
