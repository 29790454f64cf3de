import type { Tx } from '../../db/transactions';
import {
  ERASED_BUSINESS_NAME,
  ERASED_MENTION,
  ERASED_MERCHANT_MENTION,
  ERASED_NAME,
  NEUTRAL_DATE_OF_BIRTH,
  UNUSABLE_PASSWORD_HASH,
  erasedEmail,
} from '../../domain/privacy/erasure';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { EventType } from '../../subscriptions/common/topics';

/**
 * The statements of one erasure (`deleteMyAccount`), each set-based, all in the caller's
 * transaction. What they change is returned so the caller can audit it, object by object.
 */

export interface ErasedPerson {
  userId: string;
  email: string;
  name: string;
}

/** A changed object: its id and the status it had. */
export interface Changed {
  id: string;
  before: string;
}

const run = <T>(tx: Tx, sql: string, params: unknown[]): Promise<T[]> =>
  tx.em.getConnection().execute<T[]>(sql, params, 'all', tx.em.getTransactionContext());

/** A literal for a PostgreSQL regular expression (ARE): every special character escaped. */
const regexLiteral = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Withdraws the applications still open (under review, or approved with the offer not yet
 * accepted and not lapsed), then erases what every application holds of the person beyond
 * the figures its decision rests on: the purpose, the review note, the date of birth and the
 * alternative data (columns that are NOT NULL hold neutral values).
 */
export async function closeApplications(tx: Tx, userId: string, now: Date): Promise<Changed[]> {
  const cancelled = await run<Changed>(
    tx,
    `with open as (
       select id, status from credit_application
        where applicant_id = ? and (status = 'REFERRED'
              or (status = 'APPROVED' and (offer_expires_at is null or offer_expires_at > ?)))
        for update)
     update credit_application a set status = 'CANCELLED', version = a.version + 1, updated_at = ?
       from open where a.id = open.id
     returning a.id, open.status as before`,
    [userId, now, now],
  );
  await run(
    tx,
    `update credit_application
        set purpose = '', review_note = null, date_of_birth = ?, on_time_rent_months = 0,
            on_time_utility_months = 0, bank_account_age_months = 0, overdrafts_last90days = 0,
            updated_at = ?
      where applicant_id = ?`,
    [NEUTRAL_DATE_OF_BIRTH, now, userId],
  );
  return cancelled;
}

/** Closes the open accounts (nothing is owed on them: checked before) and every card. */
export async function closeAccounts(
  tx: Tx,
  userId: string,
  now: Date,
): Promise<{ accounts: Changed[]; cards: Changed[] }> {
  const accounts = await run<Changed>(
    tx,
    `with open as (select id, status from credit_account where owner_id = ? and status = 'ACTIVE')
     update credit_account a set status = 'CLOSED', updated_at = ? from open where a.id = open.id
     returning a.id, open.status as before`,
    [userId, now],
  );
  const cards = await run<Changed>(
    tx,
    `with open as (
       select c.id, c.status from card c
        where c.account_id in (select id from credit_account where owner_id = ?) and c.status <> 'CLOSED')
     update card c set status = 'CLOSED', updated_at = ? from open where c.id = open.id
     returning c.id, open.status as before`,
    [userId, now],
  );
  return { accounts, cards };
}

/**
 * Ends every session: each refresh token is revoked, which also refuses the sessions' access
 * tokens from the next request on (`SessionService`). Returns the sessions that were live, to
 * announce after the commit (their WebSockets close). Revocation is security time: real time.
 */
export async function revokeSessions(tx: Tx, userId: string): Promise<string[]> {
  const rows = await run<{ family_id: string }>(
    tx,
    `update refresh_token set revoked_at = ? where user_id = ? and revoked_at is null returning family_id`,
    [new Date(), userId],
  );
  return [...new Set(rows.map((r) => r.family_id))];
}

/**
 * Removes what holds personal data and is no financial record: the user's notifications,
 * their idempotency records (stored results can quote them) and the live events addressed to
 * them alone (payloads can quote their name). Returns how many rows of each went.
 */
export async function removePersonalRecords(
  tx: Tx,
  userId: string,
): Promise<{ notifications: number; idempotencyKeys: number; events: number }> {
  const [counts] = await run<{ notifications: number; idempotency_keys: number; events: number }>(
    tx,
    `with n as (delete from notification where user_id = ? returning 1),
          k as (delete from idempotency_key where user_id = ? returning 1),
          e as (delete from outbox_event where audience @> array[?]::text[] and cardinality(audience) = 1
                returning 1)
     select (select count(*) from n)::int as notifications, (select count(*) from k)::int as idempotency_keys,
            (select count(*) from e)::int as events`,
    [userId, userId, userId],
  );
  return {
    notifications: counts!.notifications,
    idempotencyKeys: counts!.idempotency_keys,
    events: counts!.events,
  };
}

/**
 * Merchant-entered text on the person's own pay-later purchases (order reference,
 * description) that quotes their name or email: the quote is replaced. Names shorter than
 * three characters are left alone, as they would match inside ordinary words.
 */
export async function scrubShopperMentions(tx: Tx, person: ErasedPerson): Promise<number> {
  const quotes = [person.email, ...(person.name.trim().length >= 3 ? [person.name.trim()] : [])];
  const pattern = quotes.map(regexLiteral).join('|');
  const rows = await run<{ id: string }>(
    tx,
    `update checkout set order_reference = regexp_replace(order_reference, ?, ?, 'gi'),
                         description = regexp_replace(description, ?, ?, 'gi')
      where shopper_id = ? and (order_reference ~* ? or description ~* ?)
      returning id`,
    [pattern, ERASED_MENTION, pattern, ERASED_MENTION, person.userId, pattern, pattern],
  );
  return rows.length;
}

export interface MerchantErasure {
  apiKeysRevoked: string[];
  webhooksRemoved: string[];
  checkoutsExpired: string[];
}

/**
 * Erases a deleted person's merchant profile. The profile stays (settlements, checkouts and
 * the ledger point at it), suspended, with its name, website, settlement reference and any
 * suspension note erased; its keys are revoked and their names erased; its webhooks go with
 * their deliveries (whose bodies quote the business name) and attempts; its open checkouts
 * expire. Its shoppers' notifications that begin with the business name (a purchase or
 * refund at it) name "A merchant" instead, here and in their live events: a sole trader's
 * business name is often their own name, and the person's sign-up name is the default one.
 */
export async function eraseMerchant(
  tx: Tx,
  merchant: { id: string; businessName: string },
  person: ErasedPerson,
  now: Date,
): Promise<MerchantErasure> {
  const keys = await run<{ id: string; was_live: boolean }>(
    tx,
    `with k as (select id, revoked_at from api_key where merchant_id = ?)
     update api_key a set revoked_at = coalesce(k.revoked_at, ?), name = ? from k where a.id = k.id
     returning a.id, k.revoked_at is null as was_live`,
    [merchant.id, now, ERASED_MENTION],
  );
  await run(
    tx,
    `delete from webhook_attempt where delivery_id in (
       select d.id from webhook_delivery d
        where d.endpoint_id in (select w.id from webhook_endpoint w where w.merchant_id = ?))`,
    [merchant.id],
  );
  await run(
    tx,
    `delete from webhook_delivery where merchant_id = ?
        or endpoint_id in (select w.id from webhook_endpoint w where w.merchant_id = ?)`,
    [merchant.id, merchant.id],
  );
  const webhooks = await run<{ id: string }>(
    tx,
    'delete from webhook_endpoint where merchant_id = ? returning id',
    [merchant.id],
  );
  const expired = await run<{ id: string }>(
    tx,
    `update checkout set status = 'EXPIRED', updated_at = ? where merchant_id = ? and status = 'OPEN' returning id`,
    [now, merchant.id],
  );
  // A notice at this merchant begins with its name and a space ("Acme $50.00 on your credit line: …").
  const prefixes = [...new Set([merchant.businessName, person.name].map((n) => n.trim()).filter(Boolean))];
  const shoppers = `(select c.shopper_id from checkout c where c.merchant_id = ? and c.shopper_id is not null)`;
  const kinds = [NotificationKind.PLAN_CREATED, NotificationKind.PURCHASE_REFUNDED];
  for (const prefix of prefixes.map((n) => `${n} `)) {
    const mention = `${ERASED_MERCHANT_MENTION} `;
    await run(
      tx,
      `update notification n set body = ? || substr(n.body, length(?) + 1)
        where n.user_id in ${shoppers} and n.kind in (?, ?) and left(n.body, length(?)) = ?`,
      [mention, prefix, merchant.id, ...kinds, prefix, prefix],
    );
    await run(
      tx,
      `update outbox_event e
          set payload = jsonb_set(e.payload, '{body}', to_jsonb(?::text || substr(e.payload->>'body', length(?) + 1)))
        where e.type = ? and e.audience && array(select s.shopper_id::text from ${shoppers} s(shopper_id))
          and e.payload->>'kind' in (?, ?) and left(e.payload->>'body', length(?)) = ?`,
      [mention, prefix, EventType.notificationReceived, merchant.id, ...kinds, prefix, prefix],
    );
  }
  await run(
    tx,
    `update merchant set business_name = ?, website = null, settlement_account_ref = null,
            suspended_reason = null, status = 'SUSPENDED', updated_at = ?
      where id = ?`,
    [ERASED_BUSINESS_NAME, now, merchant.id],
  );
  return {
    apiKeysRevoked: keys.filter((k) => k.was_live).map((k) => k.id),
    webhooksRemoved: webhooks.map((w) => w.id),
    checkoutsExpired: expired.map((c) => c.id),
  };
}

/**
 * The person's own row: email replaced by a unique placeholder (the address may sign up again
 * as someone new), name erased, the password hash made unusable, marked deleted. The id stays:
 * the financial records point at it, and it now names no one.
 */
export async function eraseUser(tx: Tx, userId: string, now: Date): Promise<void> {
  await run(
    tx,
    `update app_user set email = ?, name = ?, password_hash = ?, deleted_at = ?, updated_at = ? where id = ?`,
    [erasedEmail(userId), ERASED_NAME, UNUSABLE_PASSWORD_HASH, now, now, userId],
  );
}
