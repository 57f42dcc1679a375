import { z } from 'zod';
import { ERROR_STATUS } from '../errors';
import type { AnyRoute } from '../http/route';

type JsonSchema = Record<string, unknown>;

const toSchema = (s: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema =>
  z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['code', 'message', 'details'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
    message: { type: 'string' },
    details: { type: 'object' },
  },
};

function parameters(where: 'path' | 'query', schema: z.ZodType | undefined): JsonSchema[] {
  if (!schema) return [];
  const js = toSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}

const AUTH_DOC = `HMAC-SHA256 request signing. Headers: X-API-KEY (key id), X-TIMESTAMP (ms since epoch), X-NONCE
(16-64 chars [A-Za-z0-9_-], fresh per request), X-SIGNATURE = lower-case hex HMAC-SHA256(secret,
"{timestamp}\\n{nonce}\\n{METHOD}\\n{path?query as sent}\\n{raw body}").`;

/** OpenAPI 3.1, generated from the same zod schemas that validate the requests. */
export function openApiDocument(routes: AnyRoute[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const responses: Record<string, JsonSchema> = {};
    for (const [status, description] of Object.entries(r.responses)) responses[status] = { description };
    responses.default = {
      description: 'Error: {code, message, details}; the status of each code is in the README table',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    const op: JsonSchema = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [
        ...parameters('path', r.params),
        ...parameters('query', r.query),
        ...(r.idempotency
          ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }]
          : []),
      ],
      responses,
      'x-weight': r.weight,
      'x-scope': r.scope,
    };
    if (r.scope !== 'public') op.security = [{ hmac: [] }];
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: toSchema(r.body) } } };
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Exchange gateway', version: '1.0.0', description: AUTH_DOC },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: { hmac: { type: 'apiKey', in: 'header', name: 'X-API-KEY', description: AUTH_DOC } },
    },
  };
}
