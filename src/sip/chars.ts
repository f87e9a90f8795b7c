// Character classes of RFC 3261 §25.1, as lookup tables (sofia-sip style).

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 48; c <= 57; c++) t[c] = 1;
    for (let c = 65; c <= 90; c++) t[c] = 1;
    for (let c = 97; c <= 122; c++) t[c] = 1;
  }
  for (const ch of chars) t[ch.charCodeAt(0)] = 1;
  return t;
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN = table("-.!%*_+`'~", true);
/** word adds ( ) < > : \ DQUOTE / [ ] ? { } to token (used by Call-ID). */
const WORD = table("-.!%*_+`'~()<>:\\\"/[]?{}", true);

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isWord(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || WORD[c] !== 1) return false;
  }
  return true;
}

/** Call-ID = word [ "@" word ] */
export function isCallId(s: string): boolean {
  const at = s.indexOf('@');
  if (at === -1) return isWord(s);
  return isWord(s.slice(0, at)) && isWord(s.slice(at + 1));
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function isWhite(c: number): boolean {
  return c === 32 || c === 9;
}
