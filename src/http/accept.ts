/** Media types that mean "the OpenAPI document as JSON". */
const JSON_TYPES = ['application/json', 'application/vnd.oai.openapi+json'];

/** How well an Accept header takes a media type: its weight, and how specifically it was named. */
interface Match {
  q: number;
  /** 2 named outright, 1 by `type/*`, 0 by `*\/*`, -1 not at all. */
  specificity: number;
}

/**
 * Whether an `Accept` header ranks JSON above HTML (RFC 9110 §12.5.1: each type takes the weight
 * of the most specific range matching it). A tie goes to HTML unless JSON was named more
 * specifically, so browsers, curl's `*\/*` and clients sending no header get the page, while
 * `Accept: application/json` gets the document.
 */
export function prefersJson(accept: string | undefined): boolean {
  const ranges = parseAccept(accept ?? '');
  const json = JSON_TYPES.map((type) => matchOf(ranges, type)).reduce(better);
  const html = matchOf(ranges, 'text/html');
  if (json.q <= 0) return false;
  return json.q > html.q || (json.q === html.q && json.specificity > html.specificity);
}

function better(a: Match, b: Match): Match {
  return b.q > a.q || (b.q === a.q && b.specificity > a.specificity) ? b : a;
}

function matchOf(ranges: readonly { type: string; subtype: string; q: number }[], mediaType: string): Match {
  const [type, subtype] = mediaType.split('/') as [string, string];
  let found: Match = { q: 0, specificity: -1 };
  for (const range of ranges) {
    const specificity = range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === '*' ? 1 : range.type === '*' && range.subtype === '*' ? 0 : -1;
    if (specificity > found.specificity) found = { q: range.q, specificity };
  }
  return found;
}

function parseAccept(accept: string): { type: string; subtype: string; q: number }[] {
  const ranges: { type: string; subtype: string; q: number }[] = [];
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const [type, subtype, extra] = range.split('/');
    if (!type || !subtype || extra !== undefined) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((piece) => piece.trim());
      // An unreadable weight is ignored rather than taken as 0: the client did name the type.
      if (name === 'q' && value !== undefined && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value)) q = Number(value);
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}
