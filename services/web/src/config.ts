import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '@exchange/service-kit';

export const webConfigSchema = baseConfigSchema.pick({ LOG_LEVEL: true }).extend({
  /** Port of the pages (and of the same-origin proxy to the REST API and the feed); 0 picks a free one. */
  WEB_PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  WEB_HOST: z.string().default('0.0.0.0'),
  /** Where `/v1/*` is forwarded: the gateway. */
  GATEWAY_URL: z.url().default('http://127.0.0.1:8080'),
  /** Where the `/ws` upgrade is forwarded: a ws-feed node. */
  WS_FEED_URL: z.url().default('ws://127.0.0.1:8090'),
  /** `auto` builds the pages when dist/ is missing or its inputs changed; `always`; `never` serves dist/ as is. */
  WEB_BUILD: z.enum(['auto', 'always', 'never']).default('auto'),
});
export type WebConfig = z.infer<typeof webConfigSchema>;

export const loadWebConfig = (env: NodeJS.ProcessEnv = process.env): WebConfig => loadConfig(webConfigSchema, env);
