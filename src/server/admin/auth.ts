/** Bearer-token check for the admin API: 401 when no token is sent, 403 when it is wrong (constant-time compare). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function bearerAuth(token: string): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = digest(token);
  return async (req, reply) => {
    const header = req.headers.authorization;
    if (!header || !/^bearer\s+/i.test(header)) {
      await sendError(reply, 401, 'unauthorized', 'admin API: send "Authorization: Bearer <token>" (admin.token in the config, or the token in <dataDir>/admin-token)');
      return;
    }
    const given = digest(header.replace(/^bearer\s+/i, '').trim());
    if (!timingSafeEqual(given, expected)) {
      await sendError(reply, 403, 'forbidden', 'admin API: the bearer token is not valid');
    }
  };
}
