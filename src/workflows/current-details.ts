// The Web UI's "current details" of a Job's workflow: what a person looking at a running or finished Job
// wants to read first. Pure (no Temporal): status-publishing.ts sets it.
import { finishedCondition } from '../api/conditions';
import type { Job } from '../api/types';
import { computeStatus, type JobState } from '../controller';
import { jobPhase } from './search-attributes';

/** Active pods and events the Web UI's current details list by name; the rest is counted. */
const DETAIL_PODS = 10;
const DETAIL_EVENTS = 5;

/**
 * The Web UI's current details, as Markdown: phase and reason, the counts in words (the UI typesets
 * "2/5" as a fraction glyph), the active pods and the last events.
 */
export function describeState(job: Job, state: JobState): string {
  const s = computeStatus(job.spec, state);
  const terminal = finishedCondition(s);
  const phase = jobPhase(job.spec, s);
  const lines = [terminal ? `**${phase}** · ${terminal.reason ?? ''}`.replace(/ · $/, '') : `**${phase}**`];
  if (terminal?.message) lines.push(terminal.message);
  const want = job.spec.completions === null || job.spec.completions === undefined ? 'a work queue' : `${s.succeeded} of ${job.spec.completions} completions`;
  lines.push(`${want} · active ${s.active} · succeeded ${s.succeeded} · failed ${s.failed}`);
  const active = state.pods.filter((p) => p.running).map((p) => `\`${p.name}\``);
  if (active.length > 0) {
    const more = active.length > DETAIL_PODS ? ` and ${active.length - DETAIL_PODS} more` : '';
    lines.push(`Active pods: ${active.slice(0, DETAIL_PODS).join(', ')}${more}`);
  }
  const events = state.events.slice(-DETAIL_EVENTS);
  // The blank line after the heading: the Web UI's Markdown runs a list straight after a line of text into it.
  if (events.length > 0) lines.push(['Last events:', '', ...events.map((e) => `- ${e.type} ${e.reason}: ${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`)].join('\n'));
  return lines.join('\n\n');
}
