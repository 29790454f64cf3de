import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { runPrepared } from '../../db/prepared';
import { merchantPayableRow } from '../../domain/ledger/ledger';
import { ApiKey, LedgerAccount, Merchant } from '../../entities';
import { MerchantStatus } from '../../entities/merchants/merchant.entity';
import { Role } from '../../entities/identity/user.entity';
import type { Transactions, Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import { DomainError, FieldErrors, forbidden, UserErrorCode } from '../../lib/errors';
import { localId } from '../../lib/global-id';
import type { AuditService } from '../common/audit.service';
import { requireViewer, type RequestScope, type Viewer } from '../common/request-scope';
import {
  API_KEY_TYPE,
  apiKeyView,
  MERCHANT_TYPE,
  merchantView,
  type ApiKeyView,
  type MerchantView,
} from './merchant-view';

/** Every key starts with this (SPEC section 2). */
export const API_KEY_PREFIX = 'mk_';
const MAX_KEYS = 20;
const MAX_TEXT = 200;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The caller's merchant, or a refusal: not a merchant (FORBIDDEN), or suspended. */
export async function activeMerchant(em: EntityManager, viewer: Viewer): Promise<Merchant> {
  if (!viewer.roles.includes(Role.MERCHANT)) throw forbidden();
  const merchant = await em.findOne(Merchant, { userId: viewer.userId });
  if (!merchant) throw forbidden();
  if (merchant.status !== MerchantStatus.ACTIVE)
    throw new DomainError(UserErrorCode.INVALID_STATE, 'This merchant is suspended.');
  return merchant;
}

/**
 * Merchant onboarding (SPEC section 8) and server-to-server keys (section 2). Signing up as a
 * MERCHANT creates the profile from the sign-up name, verified at once in the sandbox;
 * admins suspend and reinstate. A key's secret is shown once; only its SHA-256 is stored and
 * it is found by that hash, so neither the lookup nor the comparison depends on a prefix.
 */
export class MerchantService {
  constructor(
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly knex: Knex,
    private readonly audit: AuditService,
  ) {}

  /** The profile of a new MERCHANT user, in their sign-up's transaction, with its payable account. */
  onboard(tx: Tx, userId: string, name: string): Merchant {
    const now = this.clock.now();
    const merchant = tx.em.create(Merchant, {
      userId,
      businessName: name,
      status: MerchantStatus.ACTIVE,
      verifiedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    tx.em.persist(merchant);
    tx.em.persist(tx.em.create(LedgerAccount, merchantPayableRow(merchant.id)));
    return merchant;
  }

  /** The caller's own merchant profile (null: not a merchant). */
  async mine(ctx: RequestScope): Promise<MerchantView | null> {
    const viewer = requireViewer(ctx);
    const m = await ctx.em.findOne(Merchant, { userId: viewer.userId });
    return m ? merchantView(m) : null;
  }

  /** A merchant by id: every signed-in user sees its public part (the name on a checkout). */
  async byLocalId(ctx: RequestScope, id: string): Promise<MerchantView | null> {
    const m = await ctx.loaders.merchantById.load(id);
    return m ? merchantView(m) : null;
  }

  async get(ctx: RequestScope, globalId: string): Promise<MerchantView | null> {
    requireViewer(ctx);
    const id = localId(globalId, MERCHANT_TYPE);
    return id ? this.byLocalId(ctx, id) : null;
  }

  /** Admins: every merchant, newest first. */
  async list(ctx: RequestScope): Promise<MerchantView[]> {
    const viewer = requireViewer(ctx);
    if (!viewer.isAdmin) throw forbidden();
    return (await ctx.em.find(Merchant, {}, { orderBy: { id: 'desc' }, limit: 500 })).map(merchantView);
  }

  /** Completes the profile: business name, website, settlement account reference. */
  async updateProfile(
    ctx: RequestScope,
    input: {
      businessName?: string | null;
      website?: string | null;
      settlementAccountReference?: string | null;
    },
  ): Promise<MerchantView> {
    const viewer = requireViewer(ctx);
    const errors = new FieldErrors();
    const name = input.businessName?.trim();
    if (input.businessName != null && !name)
      errors.add(['input', 'businessName'], 'Enter the business name.');
    for (const [field, value] of Object.entries(input))
      if (typeof value === 'string' && value.length > MAX_TEXT)
        errors.add(['input', field], `Use at most ${MAX_TEXT} characters.`);
    if (input.website && !/^https?:\/\/[^\s/]+\.[^\s]+$/i.test(input.website.trim()))
      errors.add(['input', 'website'], 'Enter the website as https://example.com.');
    errors.throwIfAny();
    return this.tx.run(ctx.em, async (tx) => {
      const m = await activeMerchant(tx.em, viewer);
      const before = { businessName: m.businessName, website: m.website, ref: m.settlementAccountRef };
      if (name) m.businessName = name;
      if (input.website !== undefined) m.website = input.website?.trim() || null;
      if (input.settlementAccountReference !== undefined)
        m.settlementAccountRef = input.settlementAccountReference?.trim() || null;
      m.updatedAt = this.clock.now();
      // Which fields changed, not their values: a sole trader's business name, website and bank
      // reference are personal data, and audit entries outlive an erasure (deleteMyAccount).
      const after = { businessName: m.businessName, website: m.website, ref: m.settlementAccountRef };
      this.audit.record(tx, ctx, {
        action: 'merchant.update',
        objectId: m.id,
        changes: {
          changed: (Object.keys(before) as (keyof typeof before)[]).filter((k) => before[k] !== after[k]),
        },
      });
      return merchantView(m);
    });
  }

  /** Admins: suspend (its keys and checkouts stop working) or reinstate a merchant. */
  async setStatus(
    ctx: RequestScope,
    input: { merchantId: string; reason?: string | null },
    status: MerchantStatus,
  ): Promise<MerchantView> {
    const viewer = requireViewer(ctx);
    if (!viewer.isAdmin) throw forbidden();
    const id = localId(input.merchantId, MERCHANT_TYPE);
    return this.tx.run(ctx.em, async (tx) => {
      const m = id ? await tx.em.findOne(Merchant, { id }) : null;
      if (!m) throw new DomainError(UserErrorCode.NOT_FOUND, 'No such merchant.', ['input', 'merchantId']);
      if (m.status === status) return merchantView(m);
      const before = m.status;
      m.status = status;
      m.suspendedReason = status === MerchantStatus.SUSPENDED ? input.reason?.trim() || null : null;
      m.updatedAt = this.clock.now();
      this.audit.record(tx, ctx, {
        action: status === MerchantStatus.SUSPENDED ? 'merchant.suspend' : 'merchant.reinstate',
        objectId: m.id,
        changes: { status: [before, status], reasonGiven: m.suspendedReason !== null }, // the note is free text
      });
      return merchantView(m);
    });
  }

  // ---- API keys

  /** A new key: the secret (`mk_` + 32 random bytes) is returned once and never stored. */
  async createApiKey(
    ctx: RequestScope,
    input: { name: string },
  ): Promise<{ apiKey: ApiKeyView; secret: string }> {
    const viewer = requireViewer(ctx);
    if (viewer.apiKeyId) throw forbidden(); // a key does not mint keys
    const name = input.name.trim();
    if (!name || name.length > 100)
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'Name the key (1 to 100 characters).', [
        'input',
        'name',
      ]);
    const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    return this.tx.run(ctx.em, async (tx) => {
      const m = await activeMerchant(tx.em, viewer);
      const live = await tx.em.count(ApiKey, { merchantId: m.id, revokedAt: null });
      if (live >= MAX_KEYS)
        throw new DomainError(UserErrorCode.INVALID_STATE, `At most ${MAX_KEYS} keys; revoke one first.`);
      const key = tx.em.create(ApiKey, {
        merchantId: m.id,
        name,
        secretHash: sha256(secret),
        prefix: secret.slice(0, API_KEY_PREFIX.length + 4),
        createdAt: this.clock.now(),
      });
      tx.em.persist(key);
      // Not the key's name: free text, which may name a person.
      this.audit.record(tx, ctx, { action: 'api_key.create', objectId: key.id });
      return { apiKey: apiKeyView(key), secret };
    });
  }

  async revokeApiKey(ctx: RequestScope, input: { apiKeyId: string }): Promise<ApiKeyView> {
    const viewer = requireViewer(ctx);
    if (viewer.apiKeyId) throw forbidden();
    const id = localId(input.apiKeyId, API_KEY_TYPE);
    return this.tx.run(ctx.em, async (tx) => {
      const m = await tx.em.findOne(Merchant, { userId: viewer.userId });
      const key = id && m ? await tx.em.findOne(ApiKey, { id, merchantId: m.id }) : null;
      if (!key) throw new DomainError(UserErrorCode.NOT_FOUND, 'No such key.', ['input', 'apiKeyId']);
      if (!key.revokedAt) {
        key.revokedAt = this.clock.now();
        this.audit.record(tx, ctx, { action: 'api_key.revoke', objectId: key.id });
      }
      return apiKeyView(key);
    });
  }

  /** The caller's keys, newest first (never their secrets). */
  async apiKeys(ctx: RequestScope): Promise<ApiKeyView[]> {
    const viewer = requireViewer(ctx);
    const m = await ctx.em.findOne(Merchant, { userId: viewer.userId });
    if (!m) return [];
    return (await ctx.em.find(ApiKey, { merchantId: m.id }, { orderBy: { id: 'desc' } })).map(apiKeyView);
  }

  /**
   * Who presents `secret`: the merchant's user, as a viewer limited to merchant operations;
   * null for an unknown or revoked key or a suspended merchant. One indexed read by hash.
   */
  async authenticateKey(secret: string): Promise<Viewer | null> {
    if (!secret.startsWith(API_KEY_PREFIX) || secret.length > 200) return null;
    const hash = sha256(secret);
    const rows = await runPrepared<{ id: string; secret_hash: string; user_id: string }>(
      this.knex,
      `select k.id, k.secret_hash, m.user_id from api_key k join merchant m on m.id = k.merchant_id
        where k.secret_hash = ? and k.revoked_at is null and m.status = ?`,
      [hash, MerchantStatus.ACTIVE],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(Buffer.from(row.secret_hash), Buffer.from(hash))) return null;
    return {
      userId: row.user_id,
      roles: [Role.MERCHANT],
      sessionId: `api_key:${row.id}`,
      isAdmin: false,
      apiKeyId: row.id,
    };
  }
}
