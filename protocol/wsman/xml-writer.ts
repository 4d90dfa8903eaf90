/**
 * Escaping for the envelopes we write. Text escapes `&`, `<`, `>` and CR (so a value with a
 * carriage return survives line-end normalization); attribute values also escape quotes, tab
 * and LF (attribute-value normalization would turn them into spaces). A value with a character
 * XML cannot carry at all is a caller bug: WSMAN_ERR_INVALID_VALUE.
 */

import { ErrorCode } from '../errors.js'
import { WsmanError } from './errors.js'

const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u
const NAME = /^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_.\u00B7\u00C0-\uFFFF-]*$/

function checkChars(value: string): void {
  if (INVALID_CHAR.test(value)) {
    throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `value ${JSON.stringify(value.slice(0, 40))} holds a character XML cannot carry`)
  }
}

export function escapeXmlText(value: string): string {
  checkChars(value)
  return value.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'))
}

export function escapeXmlAttribute(value: string): string {
  checkChars(value)
  return value.replace(/[&<>"\r\n\t]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;'
      case '<':
        return '&lt;'
      case '>':
        return '&gt;'
      case '"':
        return '&quot;'
      case '\r':
        return '&#13;'
      case '\n':
        return '&#10;'
      default:
        return '&#9;'
    }
  })
}

/** An unprefixed XML name (property, class or method name): refuse anything else early. */
export function checkXmlName(name: string, what: string): string {
  if (!NAME.test(name) || name.length > 256) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `${what} ${JSON.stringify(name)} is not an XML name`)
  return name
}
