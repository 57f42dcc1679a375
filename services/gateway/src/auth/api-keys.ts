import { randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Pool } from '@exchange/db';
import type { ApiKey, CreatedApiKey, Scope } from '@exchange/client';
import { SecretBox } from './secret-box';

export interface ApiKeyRecord {
  keyId: string;
  accountId: number;
  label: string;
  scopes: Scope[];
  ipAllowlist: string[];
  createdAt: number;
  revokedAt: number | null;
}

/** What authentication needs: the record, the plaintext secret, and a matcher of the allow-list. */
export interface ActiveKey extends ApiKeyRecord {
  secret: string;
  allows(ip: string): boolean;
}

interface Row {
  id: string;
  account_id: string;
  label: string;
  secret_enc: Buffer;
  scopes: Scope[];
  ip_allowlist: string[];
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, account_id, label, secret_enc, scopes, ip_allowlist, created_at, revoked_at';

/** Throws on an entry that is neither an IP nor a CIDR; returns the list normalized. */
export function parseAllowlist(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr);
    if (!family) throw new Error(`not an IP address or CIDR: ${entry}`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) → `1.2.3.4`. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/**
 * API keys in Postgres with encrypted secrets, and a short in-process cache of active keys so a
 * request costs no query (a revoke or scope change takes effect within `cacheMs`).
 */
export class ApiKeyStore {
  private readonly box: SecretBox;
  private readonly cache = new Map<string, { at: number; key: ActiveKey | null }>();

  constructor(
    private readonly pool: Pool,
    masterKeyHex: string,
    private readonly cacheMs = 2000,
  ) {
    this.box = new SecretBox(masterKeyHex);
  }

  async create(
    accountId: number,
    opts: { label?: string; scopes?: Scope[]; ipAllowlist?: string[] } = {},
  ): Promise<CreatedApiKey> {
    const keyId = `ak_${randomBytes(12).toString('hex')}`;
    const secret = randomBytes(32).toString('base64url');
    parseAllowlist(opts.ipAllowlist ?? []);
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO api_keys (id, account_id, label, secret_enc, scopes, ip_allowlist)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [
        keyId,
        accountId,
        opts.label ?? '',
        this.box.seal(secret, keyId),
        opts.scopes ?? ['read'],
        opts.ipAllowlist ?? [],
      ],
    );
    return { ...toRecord(rows[0]!), secret };
  }

  async list(accountId: number): Promise<ApiKey[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM api_keys WHERE account_id = $1 ORDER BY created_at, id`,
      [accountId],
    );
    return rows.map(toRecord);
  }

  async update(
    keyId: string,
    change: { label?: string; scopes?: Scope[]; ipAllowlist?: string[] },
  ): Promise<ApiKey | null> {
    if (change.ipAllowlist) parseAllowlist(change.ipAllowlist);
    const { rows } = await this.pool.query<Row>(
      `UPDATE api_keys SET label = COALESCE($2, label), scopes = COALESCE($3, scopes),
         ip_allowlist = COALESCE($4, ip_allowlist), updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [keyId, change.label ?? null, change.scopes ?? null, change.ipAllowlist ?? null],
    );
    this.cache.delete(keyId);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async revoke(keyId: string): Promise<ApiKey | null> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [keyId],
    );
    this.cache.delete(keyId);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The active (not revoked) key with its plaintext secret, or null. */
  async active(keyId: string): Promise<ActiveKey | null> {
    const hit = this.cache.get(keyId);
    const now = Date.now();
    if (hit && now - hit.at < this.cacheMs) return hit.key;
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM api_keys WHERE id = $1 AND revoked_at IS NULL`,
      [keyId],
    );
    const row = rows[0];
    let key: ActiveKey | null = null;
    if (row) {
      const record = toRecord(row);
      const list = record.ipAllowlist.length ? parseAllowlist(record.ipAllowlist) : null;
      key = {
        ...record,
        secret: this.box.open(row.secret_enc, row.id),
        allows: (ip) => !list || list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4'),
      };
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(keyId, { at: now, key });
    return key;
  }
}

function toRecord(row: Row): ApiKeyRecord {
  return {
    keyId: row.id,
    accountId: Number(row.account_id),
    label: row.label,
    scopes: row.scopes,
    ipAllowlist: row.ip_allowlist,
    createdAt: row.created_at.getTime(),
    revokedAt: row.revoked_at ? row.revoked_at.getTime() : null,
  };
}
