/**
 * A secret as it may show up in text: as given, and as the token request carries it (MSAL
 * percent-encodes it with encodeURIComponent; form encoding writes a space as `+` and encodes
 * `!'()~` too), in either case of hex digits, encoded twice, or JSON-escaped. Each form is
 * masked, so an error that echoes the request shows none of them.
 */
export function secretForms(secret: string): string[] {
  if (secret === "") return [];
  const uri = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const lowerHex = (text: string) => text.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    ...new Set([secret, uri, lowerHex(uri), form, lowerHex(form), encodeURIComponent(uri), json]),
  ];
}

const MIN_REPLACED_LENGTH = 8;

/** Form data as a token request carries it: `name=value&name=...`. */
const ECHOED_REQUEST =
  /(?:\b(?:grant_type|client_id|client_secret|client_assertion|client_assertion_type|scope)=|\b[\w.-]+=[^&\s]*&[\w.-]+=)/;

/**
 * A line of a sign-in error, safe to print: every form of the secrets replaced, and whatever a
 * token endpoint echoed of the request (form data) cut off.
 */
export function withoutEchoedRequest(line: string, secrets: readonly string[]): string {
  let text = line;
  // Shorter ones would garble the message; the runner masks them anyway.
  const forms = secrets
    .flatMap(secretForms)
    .filter((form) => form.length >= MIN_REPLACED_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const form of forms) text = text.split(form).join("***");
  const echo = ECHOED_REQUEST.exec(text);
  if (!echo) return text;
  const kept = text
    .slice(0, echo.index)
    .replace(/[\s:;,([{"']*(?:request(?: body)?|body|received|sent)?[\s:;,([{"']*$/i, "")
    .trimEnd();
  return `${kept} (the rest of the answer echoed the request and is not shown)`;
}
