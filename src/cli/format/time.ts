// Timestamps as the API server and kubectl handle them. metav1.Time has one-second precision on the
// wire (RFC 3339 in UTC), while our records keep milliseconds; everything shown is derived from the
// second-truncated value so that ages and durations agree with the JSON we print.

/** Epoch ms of an RFC 3339 timestamp, truncated to the second as metav1.Time stores it; undefined if absent or invalid. */
export function parseTime(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  return Math.floor(ms / 1000) * 1000;
}

/** metav1.Time's JSON form: `2006-01-02T15:04:05Z`. Unparseable input is passed through unchanged. */
export function kubeTime(value: string): string;
export function kubeTime(value: string | undefined): string | undefined;
export function kubeTime(value: string | undefined): string | undefined {
  const ms = parseTime(value);
  if (ms === undefined) return value;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Go's time.RFC1123Z layout (`Mon, 02 Jan 2006 15:04:05 -0700`) in the local time zone, as kubectl
 * describe prints times (metav1.Time is converted to local time when decoded).
 */
export function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${DAYS[d.getDay()]}, ${pad2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`
  );
}
