/** Realistic Segment events as @segment/analytics-node sends them (~600 bytes each): 70 % track, 20 % identify, 10 % page. */
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const context = { library: { name: '@segment/analytics-node', version: '3.1.0' }, ip: '203.0.113.57', userAgent: UA, locale: 'en-US' };
const metadata = { nodeVersion: '20.19.0', jsRuntime: 'node' };

/** One event; `@@` in messageId is replaced per request so every request carries fresh ids. */
export function makeEvent(i: number): Record<string, unknown> {
  const userId = `user-${(i * 7919) % 50_000}`;
  const base = { userId, anonymousId: `0b7c1d8e-5f2a-4c3b-9d1e-${String(i).padStart(12, '0')}`, messageId: `node-next-@@-${i}`, timestamp: new Date().toISOString(), context, integrations: {}, _metadata: metadata };
  const kind = i % 10;
  if (kind < 7) {
    return {
      type: 'track', event: kind < 3 ? 'Order Completed' : kind < 5 ? 'Product Viewed' : 'purchase', ...base,
      properties: { order_id: `ord-${i}`, revenue: 42.5 + (i % 100), currency: 'USD', products: [{ product_id: `sku-${i % 500}`, name: 'Trail Running Shoe', price: 21.25, quantity: 2, category: 'Shoes' }] },
    };
  }
  if (kind < 9) return { type: 'identify', ...base, traits: { email: `${userId}@example.com`, plan: 'pro', country: 'DE', createdAt: '2024-03-01T10:00:00.000Z', company: { name: 'Acme GmbH', size: 120 } } };
  return { type: 'page', ...base, name: 'Pricing', properties: { path: '/pricing', url: 'https://shop.example/pricing', referrer: 'https://www.google.com/', title: 'Pricing — Shop', search: '?plan=pro' } };
}

/** A batch body template split at the per-request messageId placeholder (`%%SENT%%` marks sentAt). */
export function batchTemplate(size: number): { parts: string[]; avgEventBytes: number } {
  const batch = Array.from({ length: size }, (_, i) => makeEvent(i));
  const json = JSON.stringify({ batch, sentAt: '%%SENT%%' });
  const eventBytes = batch.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0) / size;
  return { parts: json.split('@@'), avgEventBytes: Math.round(eventBytes) };
}
