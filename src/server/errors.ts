/** The JSON error body every API route answers with: `{success:false, code, message}` (+ optional details). */
import type { FastifyReply } from 'fastify';

export interface ErrorBody {
  success: false;
  code: string;
  message: string;
  [extra: string]: unknown;
}

export function errorBody(code: string, message: string, extra?: Record<string, unknown>): ErrorBody {
  return { success: false, code, message, ...(extra ?? {}) };
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, extra?: Record<string, unknown>): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(code, message, extra));
}

/** Fastify's own errors (FST_ERR_*) carry a statusCode; map them onto our codes. */
export function fastifyErrorCode(err: { code?: string; statusCode?: number }): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'invalid_request';
    default:
      return err.statusCode === 404 ? 'not_found' : err.statusCode && err.statusCode < 500 ? 'invalid_request' : 'internal_error';
  }
}
