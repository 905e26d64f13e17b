// CronJob schedules as Kubernetes reads them: robfig/cron v3's `ParseStandard` (5 fields, names, ranges,
// lists, steps, `?`, the @descriptors), with its error messages word for word, since they are what
// `kubectl apply` prints after `spec.schedule: Invalid value: "...": `. Pure: no clock, no Node APIs.
// Temporal computes the actual times (the schedule string is handed to it unchanged); this only decides
// what Kubernetes would accept.

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** minute, hour, day of month, month, day of week: robfig's bounds. */
const FIELDS: readonly Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

/** The descriptors robfig knows, as the 5-field schedules they stand for. */
export const CRON_DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

class CronError extends Error {}

/** Go's strconv.Atoi: an optional sign and decimal digits only. */
function atoi(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new CronError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function intOrName(expr: string, names: Record<string, number> | undefined): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? atoi(expr);
}

/** robfig's getRange: `*`, `?`, `N`, `N-M`, each with an optional `/step`. */
function checkRange(expr: string, b: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
  } else {
    start = intOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1], b.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = atoi(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = b.max;
  } else if (rangeAndStep.length > 2) throw new CronError(`too many slashes: ${expr}`);
  if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
}

/** Go's time.ParseDuration, enough to accept or refuse `@every <duration>`. */
function goDuration(text: string): boolean {
  if (text === '0') return true;
  return /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/.test(text);
}

/** Whether Go's time.LoadLocation would load this zone name (the IANA database, exact spelling). */
export function isLoadableTimeZone(name: string): boolean {
  if (name === '' || name === 'UTC') return true;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    // ICU forgives letter case; Go reads a file of that exact name. An alias (US/Eastern) is a file too.
    return resolved === name || resolved.toLowerCase() !== name.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * robfig/cron's ParseStandard error for `schedule`, or undefined when it parses. A leading `TZ=`/`CRON_TZ=`
 * is read as robfig reads it (Kubernetes refuses it separately, see validateCronJob).
 */
export function cronScheduleError(schedule: string): string | undefined {
  try {
    parseStandard(schedule);
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return err.message;
    throw err;
  }
}

function parseStandard(input: string): void {
  let spec = input;
  if (spec.length === 0) throw new CronError('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    // Go would slice to -1 and panic; Kubernetes recovers the panic into this message.
    if (space < 0) throw new CronError(`Failed to parse ${JSON.stringify(input)}: slice bounds out of range`);
    const zone = spec.slice(eq + 1, space);
    if (!isLoadableTimeZone(zone)) throw new CronError(`provided bad location ${zone}: unknown time zone ${zone}`);
    spec = spec.slice(space).trim();
  }
  if (spec.startsWith('@')) {
    if (CRON_DESCRIPTORS[spec] !== undefined) return;
    if (spec.startsWith('@every ')) {
      const d = spec.slice('@every '.length);
      if (!goDuration(d)) throw new CronError(`failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(d)}`);
      return;
    }
    throw new CronError(`unrecognized descriptor: ${spec}`);
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  fields.forEach((field, i) => {
    for (const part of field.split(',')) if (part !== '') checkRange(part, FIELDS[i]);
  });
}

/** The schedule with a descriptor replaced by its five fields (what `@every` stands for has no such form). */
export function expandCronDescriptor(schedule: string): string {
  return CRON_DESCRIPTORS[schedule.trim()] ?? schedule;
}

/** robfig's star bit: a field with a `*` or `?` part that has no step above 1. */
function isStarField(field: string): boolean {
  return field.split(',').some((part) => {
    const [range, step] = part.split('/');
    return (range === '*' || range === '?') && (step === undefined || Number(step) <= 1);
  });
}

/**
 * The schedule as calendar expressions whose union gives robfig's times. robfig (and Vixie cron) fire
 * when the day of month OR the day of week matches if both are restricted; a Temporal Schedule's cron
 * expression needs both to match. Such a schedule becomes two expressions, one per day field.
 * `@every` is returned as it is.
 */
export function cronExpressionsFor(schedule: string): string[] {
  const expanded = expandCronDescriptor(schedule.trim());
  if (expanded.startsWith('@')) return [expanded];
  // Temporal refuses `?` in a day field ("DayOfMonth is not in range"); robfig reads it as `*`.
  const fields = expanded.split(/\s+/).map((f) => f.replace(/\?/g, '*'));
  if (fields.length !== 5) return [expanded];
  const [minute, hour, dom, month, dow] = fields;
  if (isStarField(dom) || isStarField(dow)) return [fields.join(' ')];
  return [`${minute} ${hour} ${dom} ${month} *`, `${minute} ${hour} * ${month} ${dow}`];
}
