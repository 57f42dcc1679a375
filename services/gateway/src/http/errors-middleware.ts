import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@exchange/service-kit';
import { ApiError } from '../errors';

/** body-parser / raw-body failures by their `type`. */
function fromHttpError(err: { type?: string; status?: number; message?: string }): ApiError | null {
  switch (err.type) {
    case 'entity.too.large':
      return new ApiError('PAYLOAD_TOO_LARGE', 'the body is larger than the limit');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', err.message ?? 'unsupported encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'entity.verify.failed':
      return new ApiError('VALIDATION_FAILED', err.message ?? 'bad request body', { where: 'body', issues: [] });
  }
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
    return new ApiError('VALIDATION_FAILED', err.message ?? 'bad request', { where: 'request', issues: [] });
  }
  return null;
}

/** JSON for every error (express's default answers HTML); internals never leak. */
export function errorMiddleware(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let api = err instanceof ApiError ? err : fromHttpError(err as { type?: string });
    if (!api) {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error');
      api = new ApiError('INTERNAL', 'internal error');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(api.status).set(api.headers).json(api.toBody());
  };
}

export function notFoundMiddleware(req: Request, res: Response): void {
  res.status(404).json(new ApiError('NOT_FOUND', `no endpoint ${req.method} ${req.path}`).toBody());
}
