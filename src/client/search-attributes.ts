// Whether the server knows the Job search attributes. Where it does, Jobs are started with them and
// listing is a server-side visibility query; where it does not (and we may not add them), listing falls
// back to the workflow id prefix and filters on the client.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { JOB_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

export type SearchAttributeSupport = { ok: true; added: string[] } | { ok: false; reason: string };

// temporal.api.enums.v1.IndexedValueType's numbers; the proto package is only a type dependency here.
const INDEXED_TYPE: Record<'Keyword' | 'KeywordList', temporal.api.enums.v1.IndexedValueType> = {
  Keyword: 2,
  KeywordList: 7,
};

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** gRPC status code 6 (ALREADY_EXISTS): someone else registered them in the meantime. */
function isAlreadyExists(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === 6 || /already exists/i.test(describe(err));
}

/** Checks once, adds what is missing; never throws (a server without the operator service just has no support). */
export async function ensureJobSearchAttributes(client: Client): Promise<SearchAttributeSupport> {
  const namespace = client.options.namespace;
  const operator = client.connection.operatorService;
  let existing: Record<string, unknown>;
  try {
    const res = await operator.listSearchAttributes({ namespace });
    existing = { ...(res.customAttributes ?? {}), ...(res.systemAttributes ?? {}) };
  } catch (err) {
    return { ok: false, reason: `cannot list search attributes (${describe(err)})` };
  }
  const missing = Object.entries(JOB_SEARCH_ATTRIBUTES).filter(([name]) => !(name in existing));
  if (missing.length === 0) return { ok: true, added: [] };
  try {
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_TYPE[type]])),
    });
  } catch (err) {
    if (!isAlreadyExists(err)) {
      return { ok: false, reason: `search attributes ${missing.map(([n]) => n).join(', ')} are not registered and cannot be added (${describe(err)})` };
    }
  }
  return { ok: true, added: missing.map(([n]) => n) };
}
