import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from '../errors';

/**
 * The request body as the exact bytes received (signatures cover them), at most `limit` bytes.
 * What express.raw() did for us, without its content-type, charset and inflate machinery, which
 * the gateway does not use (its JSON check is the router's) and which cost about 5 % of a place.
 * A body over the limit is a 413, announced (Content-Length) or not (chunked).
 */
export function rawBody(limit: number): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction): void => {
    readRawBody(req, limit).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}

/** The body's bytes, or undefined when the request has none (no Content-Length, not chunked). */
export function readRawBody(req: Request, limit: number): Promise<Buffer | undefined> {
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) return Promise.resolve(undefined);
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge());
  // Inline callbacks, not named ones: tsx's keepNames gives each named closure its name at run
  // time (a defineProperty per request). Past a failure the data keeps flowing, unread, so the
  // connection can answer.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      failed = true;
      reject(tooLarge());
    });
    // 'end' and 'error' each come at most once; a client that goes away mid-body is an 'error' (ECONNRESET)
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (failed) return;
      failed = true;
      reject(new ApiError('VALIDATION_FAILED', err.message, { where: 'body', issues: [] }));
    });
  });
}

function tooLarge(): ApiError {
  return new ApiError('PAYLOAD_TOO_LARGE', 'the body is larger than the limit');
}
