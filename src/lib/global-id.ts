import { isUuid } from './ids';

/**
 * Opaque global ids (Relay): base64url of `<Type>:<uuid>`. Clients must not parse them;
 * the server uses the type to route `node(id:)` and to reject an id of the wrong kind.
 */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export function fromGlobalId(globalId: string): { type: string; id: string } | null {
  if (globalId.length > 200) return null;
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const sep = text.indexOf(':');
  if (sep <= 0) return null;
  const type = text.slice(0, sep);
  const id = text.slice(sep + 1);
  if (!isUuid(id)) return null;
  return { type, id };
}

/** The local id behind a global id of the expected type, or null (treated as not found). */
export function localId(globalId: string, type: string): string | null {
  const parsed = fromGlobalId(globalId);
  return parsed && parsed.type === type ? parsed.id : null;
}
